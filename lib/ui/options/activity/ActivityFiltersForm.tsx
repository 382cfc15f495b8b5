import { ERRORS } from '../../../../shared/errors';
import { AUDIT_DECISIONS } from '../../../../shared/audit-messages';
import { type ActivityFilters, DECISION_LABELS, NO_FILTERS, narrowsListing, TIME_RANGES, UNAUTHENTICATED } from './activity-filters';
import type { Choice } from './activity-choices';

const CODES = Object.keys(ERRORS).sort();

interface ActivityFiltersFormProps {
  filters: ActivityFilters;
  onChange: (filters: ActivityFilters) => void;
  agents: readonly Choice[];
  services: readonly string[];
}

/** The Activity filters; every change narrows the listing at once (the free-text ones after a pause). */
export function ActivityFiltersForm({ filters, onChange, agents, services }: ActivityFiltersFormProps) {
  const set = (field: keyof ActivityFilters) => (event: Event) => onChange({ ...filters, [field]: (event.currentTarget as HTMLInputElement | HTMLSelectElement).value });
  return (
    <form class="activity-filters" aria-label="Filter activity" onSubmit={(event) => event.preventDefault()} data-testid="activity-filters">
      <label>
        Time
        <select value={filters.range} onChange={set('range')} data-testid="filter-range">
          {TIME_RANGES.map((range) => (
            <option key={range.id} value={range.id}>
              {range.label}
            </option>
          ))}
        </select>
      </label>
      {filters.range === 'custom' && (
        <>
          <label>
            From
            <input type="datetime-local" value={filters.from} onInput={set('from')} data-testid="filter-from" />
          </label>
          <label>
            To
            <input type="datetime-local" value={filters.to} onInput={set('to')} data-testid="filter-to" />
          </label>
        </>
      )}
      <label>
        Agent or grant
        <select value={filters.agent} onChange={set('agent')} data-testid="filter-agent">
          <option value="">Any</option>
          {agents.map((agent) => (
            <option key={agent.value} value={agent.value}>
              {agent.label}
            </option>
          ))}
          <option value={UNAUTHENTICATED}>No valid agent key (refused at the door)</option>
        </select>
      </label>
      <label>
        Service
        <select value={filters.service} onChange={set('service')} data-testid="filter-service">
          <option value="">Any</option>
          {services.map((service) => (
            <option key={service} value={service}>
              {service}
            </option>
          ))}
        </select>
      </label>
      <label>
        Decision
        <select value={filters.decision} onChange={set('decision')} data-testid="filter-decision">
          <option value="">Any</option>
          {AUDIT_DECISIONS.map((decision) => (
            <option key={decision} value={decision}>
              {DECISION_LABELS[decision]}
            </option>
          ))}
        </select>
      </label>
      <label>
        Refusal code
        <select value={filters.code} onChange={set('code')} disabled={filters.decision === 'allowed'} data-testid="filter-code">
          <option value="">Any</option>
          {CODES.map((code) => (
            <option key={code} value={code}>
              {code}
            </option>
          ))}
        </select>
      </label>
      <label>
        Status
        <input inputMode="numeric" placeholder="e.g. 403" maxLength={3} value={filters.status} onInput={set('status')} data-testid="filter-status" />
      </label>
      <label class="wide">
        Path contains
        <input type="search" placeholder="/v1/chat" value={filters.text} onInput={set('text')} data-testid="filter-text" />
      </label>
      {narrowsListing(filters) && (
        <button type="button" class="link" onClick={() => onChange(NO_FILTERS)} data-testid="clear-filters">
          Clear filters
        </button>
      )}
    </form>
  );
}
