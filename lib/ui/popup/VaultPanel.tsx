import type { AppState } from '../../extension-messages';
import { CreateVaultForm } from '../components/CreateVaultForm';
import { UnlockForm } from '../components/UnlockForm';
import { UnlockedVault } from './UnlockedVault';

/** What Keygate is, in three lines, for someone who has just installed it. */
function FirstRunExplanation() {
  return (
    <div class="card" data-testid="first-run">
      <h2>Welcome</h2>
      <p>Keygate keeps your API keys encrypted in this browser. Your AI agents never see them:</p>
      <ol>
        <li>Store a key here (OpenAI, Anthropic, Binance, any REST API).</li>
        <li>Give each agent its own <code>pk_</code> key in Settings.</li>
        <li>The agent calls Keygate on 127.0.0.1; Keygate adds the real key and checks your limits.</li>
      </ol>
    </div>
  );
}

export function VaultPanel({ state }: { state: AppState }) {
  const { vault } = state;
  switch (vault.status) {
    case 'loading':
      return <p class="hint">Opening the vault…</p>;
    case 'absent':
      return (
        <>
          <FirstRunExplanation />
          <CreateVaultForm />
        </>
      );
    case 'locked':
    case 'unlocking':
      return <UnlockForm state={vault} />;
    case 'unlocked':
      return <UnlockedVault state={vault} app={state} />;
  }
}
