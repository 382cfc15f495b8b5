/**
 * Activity: the host's audit log as a table (`audit.query`), newest first, with filters, older pages
 * on demand, new lines arriving on top while the page is open, a details drawer and export.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { AuditRecord } from '../../../../shared/audit-messages';
import type { AgentKeyRecord } from '../../../../shared/vault/format';
import { callBackground } from '../../background-call';
import { useNow } from '../../hooks/use-now';
import { personHint } from '../../../../shared/error-hints';
import { type ActivityFilters, auditQueryParams, NO_FILTERS, narrowsListing } from './activity-filters';
import { agentChoices, auditServiceChoices } from './activity-choices';
import { ActivityDrawer } from './ActivityDrawer';
import { ActivityExport } from './ActivityExport';
import { ActivityFiltersForm } from './ActivityFiltersForm';
import { ActivityTable } from './ActivityTable';
import { useActivityFeed } from './use-activity-feed';
import { useDebounced } from './use-debounced';
import './activity.css';

const TYPING_PAUSE_MS = 350;

export function ActivitySection({ policyToml }: { policyToml: string }) {
  const [filters, setFilters] = useState<ActivityFilters>(NO_FILTERS);
  const applied = useDebounced(filters, TYPING_PAUSE_MS);
  // "Last 24 hours" is fixed when the filters are applied, so every page of one listing asks the same.
  const params = useMemo(() => auditQueryParams(applied, Date.now()), [applied]);
  const feed = useActivityFeed(params);
  const [selected, setSelected] = useState<AuditRecord | null>(null);
  const [agents, setAgents] = useState<AgentKeyRecord[]>([]);
  const now = useNow(30_000);
  useEffect(() => void callBackground('agents.list').then(setAgents, () => setAgents([])), []);

  const records = feed.records ?? [];
  const agentOptions = useMemo(() => agentChoices(agents, records), [agents, records]);
  const services = useMemo(() => auditServiceChoices(policyToml), [policyToml]);

  return (
    <section aria-label="Activity" class="activity-section">
      <ActivityFiltersForm filters={filters} onChange={setFilters} agents={agentOptions} services={services} />
      <div class="row activity-toolbar">
        <p class="detail" data-testid="activity-live">
          <span class="live-dot" aria-hidden="true" /> Live: new requests appear on top while this page is open.
        </p>
        <ActivityExport params={params} />
      </div>
      {feed.error !== null && (
        <div class="error-note" role="alert" data-testid="activity-error" data-code={feed.error.code}>
          <p>Could not read the activity log: {feed.error.message}</p>
          <p class="hint">{personHint(feed.error.code, 'browser')}</p>
          <button type="button" onClick={feed.retry} data-testid="activity-retry">
            Try again
          </button>
        </div>
      )}
      {feed.records === null && feed.error === null && <p class="hint">Reading the activity log…</p>}
      {feed.records !== null && records.length === 0 && <ActivityEmpty filtered={narrowsListing(applied)} onClear={() => setFilters(NO_FILTERS)} />}
      {records.length > 0 && (
        <div>
          <ActivityTable records={records} now={now} selectedId={selected?.requestId ?? null} freshIds={feed.freshIds} onSelect={setSelected} />
          <div class="actions">
            {feed.cursor !== null ? (
              <button type="button" disabled={feed.loadingOlder} onClick={feed.loadOlder} data-testid="activity-load-older">
                {feed.loadingOlder ? 'Loading…' : 'Load older'}
              </button>
            ) : (
              <span class="detail" data-testid="activity-end">
                That is everything{narrowsListing(applied) ? ' these filters match' : ' in the log'}: {records.length.toLocaleString()} request
                {records.length === 1 ? '' : 's'}.
              </span>
            )}
          </div>
        </div>
      )}
      {selected !== null && <ActivityDrawer record={selected} onClose={() => setSelected(null)} />}
    </section>
  );
}

function ActivityEmpty({ filtered, onClear }: { filtered: boolean; onClear: () => void }) {
  if (filtered) {
    return (
      <div class="empty-state" data-testid="activity-empty" data-filtered="true">
        <p>
          <strong>No request matches these filters.</strong>
        </p>
        <p>
          Widen the time range or{' '}
          <button type="button" class="link" onClick={onClear}>
            clear the filters
          </button>
          . New matching requests will still appear here as they happen.
        </p>
      </div>
    );
  }
  return (
    <div class="empty-state" data-testid="activity-empty" data-filtered="false">
      <p>
        <strong>No requests yet.</strong>
      </p>
      <p>
        When an agent calls Keygate’s proxy with its <code>pk_</code> key, each request is listed here within a few seconds: forwarded or refused, and why.
        Create a key under <a href="#agents">Agents</a>.
      </p>
    </div>
  );
}
