import { HostStatusCard } from './HostStatusCard';
import { useHostState } from './use-host-state';

export function OptionsApp() {
  const hostState = useHostState();
  return (
    <main class="wide">
      <h1>Keygate settings</h1>
      <HostStatusCard state={hostState} />
    </main>
  );
}
