import type { BinanceKeyRestrictions, CredentialHealth } from '../../../shared/proxy-messages';
import type { VaultState } from '../../session/vault-state';
import { CreateVaultForm } from '../components/CreateVaultForm';
import { UnlockedVault } from './UnlockedVault';
import { UnlockForm } from '../components/UnlockForm';

export function VaultPanel({ state, binanceKeys, health }: { state: VaultState; binanceKeys: BinanceKeyRestrictions[]; health: CredentialHealth[] }) {
  switch (state.status) {
    case 'loading':
      return <p class="hint">Opening the vault…</p>;
    case 'absent':
      return <CreateVaultForm />;
    case 'locked':
    case 'unlocking':
      return <UnlockForm state={state} />;
    case 'unlocked':
      return <UnlockedVault state={state} binanceKeys={binanceKeys} health={health} />;
  }
}
