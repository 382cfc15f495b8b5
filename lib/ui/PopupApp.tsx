import { HostStatusCard } from './HostStatusCard';
import { useHostState } from './use-host-state';

export function PopupApp() {
  const hostState = useHostState();
  return (
    <main>
      <h1>Keygate</h1>
      <HostStatusCard state={hostState} />
    </main>
  );
}
