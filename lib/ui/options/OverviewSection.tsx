import type { AppState } from '../../extension-messages';
import { HostStatusCard } from '../components/HostStatusCard';

/**
 * Overview: what is running and what needs attention. The charts (requests by service, refusals,
 * top agents, Binance volume) from the host's `audit.stats` are being built; the placeholder says so
 * rather than drawing empty axes.
 */
export function OverviewSection({ state }: { state: AppState | null }) {
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
      <div class="empty-state" data-testid="overview-charts-pending">
        <p>
          <strong>No charts yet.</strong>
        </p>
        <p>
          This view is being built: requests over time, refusals by code, the busiest agents and Binance volume will appear here. Each agent key’s
          recent use is shown under <a href="#agents">Agents</a>.
        </p>
      </div>
    </section>
  );
}
