import type { AuditRecord } from '../../../../shared/audit-messages';
import { DECISION_LABELS } from './activity-filters';
import { agentLabel, formatBytesShort, formatDuration, formatLineTime, reasonCode } from './audit-line-format';

interface ActivityTableProps {
  records: readonly AuditRecord[];
  now: number;
  selectedId: string | null;
  freshIds: ReadonlySet<string>;
  onSelect: (record: AuditRecord) => void;
}

export function DecisionCell({ record }: { record: AuditRecord }) {
  const code = reasonCode(record.reason);
  return (
    <span class={`decision decision-${record.decision}`}>
      {DECISION_LABELS[record.decision]}
      {record.decision !== 'allowed' && code !== null && <code>{code}</code>}
    </span>
  );
}

/** The audit lines, newest first; a row (or its time, from the keyboard) opens its details. */
export function ActivityTable({ records, now, selectedId, freshIds, onSelect }: ActivityTableProps) {
  return (
    <div class="table-scroll">
      <table class="activity-table" data-testid="activity-table">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Agent</th>
            <th scope="col">Service</th>
            <th scope="col">Method</th>
            <th scope="col">Path</th>
            <th scope="col" class="number">
              Status
            </th>
            <th scope="col">Decision</th>
            <th scope="col" class="number">
              Duration
            </th>
            <th scope="col" class="number" title="Bytes received from the agent / sent back to it">
              Bytes in / out
            </th>
          </tr>
        </thead>
        <tbody>
          {records.map((record) => (
            <tr
              key={record.requestId}
              class={freshIds.has(record.requestId) ? 'fresh' : undefined}
              aria-selected={record.requestId === selectedId}
              onClick={() => onSelect(record)}
              data-testid="activity-row"
              data-request-id={record.requestId}
              data-agent={agentLabel(record)}
              data-decision={record.decision}
              data-status={record.status}
            >
              <td>
                <button type="button" class="link" title={record.time} onClick={(event) => (event.stopPropagation(), onSelect(record))} data-testid="activity-open">
                  {formatLineTime(record.time, now)}
                </button>
              </td>
              <td class="clip">{agentLabel(record)}</td>
              <td>{record.service ?? '—'}</td>
              <td>
                <code>{record.method}</code>
              </td>
              <td class="clip path">
                <code title={record.path}>{record.path}</code>
              </td>
              <td class="number">{record.status}</td>
              <td>
                <DecisionCell record={record} />
              </td>
              <td class="number">{formatDuration(record.durationMs)}</td>
              <td class="number">
                {formatBytesShort(record.bytesIn)} / {formatBytesShort(record.bytesOut)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
