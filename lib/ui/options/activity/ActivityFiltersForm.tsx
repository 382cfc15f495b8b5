import { ERRORS } from '../../../../shared/errors';
import { AUDIT_DECISIONS } from '../../../../shared/audit-messages';
import { type ActivityFilters, DECISION_LABELS, NO_FILTERS, narrowsListing, TIME_RANGES, UNAUTHENTICATED } from './activity-filters';
import type { Choice } from './activity-choices';

const ANY: Choice = { value: '', label: 'Any' };
const RANGE_CHOICES: Choice[] = TIME_RANGES.map((range) => ({ value: range.id, label: range.label }));
const DECISION_CHOICES: Choice[] = [ANY, ...AUDIT_DECISIONS.map((decision) => ({ value: decision, label: DECISION_LABELS[decision] }))];
const CODE_CHOICES: Choice[] = [ANY, ...Object.keys(ERRORS).sort().map((code) => ({ value: code, label: code }))];

interface FilterSelectProps {
  label: string;
  value: string;
  choices: readonly Choice[];
  onChange: (event: Event) => void;
  testId: string;
  disabled?: boolean;
}

function FilterSelect({ label, value, choices, onChange, testId, disabled = false }: FilterSelectProps) {
  return (
    <label>
      {label}
      <select value={value} onChange={onChange} disabled={disabled} data-testid={testId}>
        {choices.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
    </label>
  );
}

interface ActivityFiltersFormProps {
  filters: ActivityFilters;
  onChange: (filters: ActivityFilters) => void;
  agents: readonly Choice[];
  services: readonly string[];
}

/** The Activity filters; every change narrows the listing at once (the free-text ones after a pause). */
export function ActivityFiltersForm({ filters, onChange, agents, services }: ActivityFiltersFormProps) {
  const set = (field: keyof ActivityFilters) => (event: Event) => onChange({ ...filters, [field]: (event.currentTarget as HTMLInputElement | HTMLSelectElement).value });
  const agentChoices = [ANY, ...agents, { value: UNAUTHENTICATED, label: 'No valid agent key (refused at the door)' }];
  const serviceChoices = [ANY, ...services.map((service) => ({ value: service, label: service }))];
  return (
    <form class="activity-filters" aria-label="Filter activity" onSubmit={(event) => event.preventDefault()} data-testid="activity-filters">
      <FilterSelect label="Time" value={filters.range} choices={RANGE_CHOICES} onChange={set('range')} testId="filter-range" />
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
      <FilterSelect label="Agent or grant" value={filters.agent} choices={agentChoices} onChange={set('agent')} testId="filter-agent" />
      <FilterSelect label="Service" value={filters.service} choices={serviceChoices} onChange={set('service')} testId="filter-service" />
      <FilterSelect label="Decision" value={filters.decision} choices={DECISION_CHOICES} onChange={set('decision')} testId="filter-decision" />
      <FilterSelect label="Refusal code" value={filters.code} choices={CODE_CHOICES} onChange={set('code')} disabled={filters.decision === 'allowed'} testId="filter-code" />
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
