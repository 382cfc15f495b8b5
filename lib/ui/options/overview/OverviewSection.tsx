/**
 * Overview: what is running, what needs attention, and what agents did in a window (charts from the
 * host's `audit.stats`), with today's Binance volume against its cap and the credentials' health.
 */
import { useState } from 'preact/hooks';
import type { AppState } from '../../../extension-messages';
import { personHint } from '../../../../shared/error-hints';
import { HostStatusCard } from '../../components/HostStatusCard';
import { useCredentials } from '../../hooks/use-credentials';
import { BinanceVolumeCard } from './BinanceVolumeCard';
import { CredentialHealthCard } from './CredentialHealthCard';
import { OverviewCharts } from './OverviewCharts';
import { STATS_WINDOWS, type StatsWindow } from './overview-series';
import { useAuditStats } from './use-audit-stats';
import './overview.css';

export function OverviewSection({ state }: { state: AppState | null }) {
  const [window, setWindow] = useState<StatsWindow>(STATS_WINDOWS[0]);
  const { stats, error } = useAuditStats(window);
  const unlocked = state?.vault.status === 'unlocked';
  // Names only change when the vault opens; reloading on every use would postpone the idle lock.
  const { credentials } = useCredentials(unlocked);
  const failing = state?.credentialHealth.filter((health) => health.failures > 0) ?? [];
  const risky = state?.binanceKeys.filter((key) => key.canWithdraw || key.canTransfer) ?? [];
  return (
    <section aria-label="Overview">
      <HostStatusCard state={state?.host ?? null} proxy={state?.proxy ?? null} />
      <div class="card" data-testid="overview-attention">
        <h2>Needs attention</h2>
        {failing.length === 0 && risky.length === 0 ? (
          <p class="ok">Nothing: no key refused lately, no Binance key that can move funds.</p>
        ) : (
          <ul>
            {failing.length > 0 && (
              <li>
                {failing.length} credential{failing.length > 1 ? 's' : ''} refused by the service lately — see <a href="#credentials">Credentials</a>.
              </li>
            )}
            {risky.length > 0 && <li class="warn">{risky.length} Binance key(s) can withdraw or transfer funds — restrict them on Binance.</li>}
          </ul>
        )}
      </div>

      <div class="row overview-window">
        <h2>Activity</h2>
        <div class="segmented" role="radiogroup" aria-label="Time window" data-testid="stats-window">
          {STATS_WINDOWS.map((choice) => (
            <button key={choice.id} type="button" role="radio" aria-checked={choice.id === window.id} onClick={() => setWindow(choice)} data-testid={`stats-window-${choice.id}`}>
              {choice.label}
            </button>
          ))}
        </div>
      </div>
      {error !== null && (
        <div class="error-note" role="alert" data-testid="overview-error" data-code={error.code}>
          <p>Could not read the activity statistics: {error.message}</p>
          <p class="hint">{personHint(error.code, 'browser')}</p>
        </div>
      )}
      {stats === null && error === null && <p class="hint">Counting requests…</p>}
      {stats !== null && <OverviewCharts stats={stats} window={window} />}

      <div class="card">
        <h3>Binance daily volume</h3>
        {stats === null ? <p class="hint">…</p> : <BinanceVolumeCard volume={stats.binanceVolume} />}
      </div>
      <div class="card">
        <h3>Credential health</h3>
        <CredentialHealthCard health={state?.credentialHealth ?? []} credentials={unlocked ? credentials : null} />
      </div>
    </section>
  );
}
