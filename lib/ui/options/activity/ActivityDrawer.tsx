import { useEffect } from 'preact/hooks';
import type { AuditRecord } from '../../../../shared/audit-messages';
import { personHint } from '../../../../shared/error-hints';
import { isErrorCode } from '../../../../shared/errors';
import { agentLabel, detailLabel, formatBytes, formatDuration, isGrantIdentity, reasonCode } from './audit-line-format';
import { DecisionCell } from './ActivityTable';

const detailValue = (value: string | number | boolean | null) => (value === null ? '—' : String(value));

/**
 * Everything the audit holds about one request (it never holds a secret, signature or query string),
 * with what a person can do about a refusal. It sits beside the table, so the listing stays usable.
 */
export function ActivityDrawer({ record, onClose }: { record: AuditRecord; onClose: () => void }) {
  useEffect(() => {
    const closeOnEscape = (event: KeyboardEvent) => event.key === 'Escape' && onClose();
    document.addEventListener('keydown', closeOnEscape);
    return () => document.removeEventListener('keydown', closeOnEscape);
  }, [onClose]);
  const code = reasonCode(record.reason);
  const identity = record.agent === null ? 'none' : isGrantIdentity(record.agent) ? 'grant' : 'agent key';
  const fields: Array<[string, string]> = [
    ['Time', new Date(record.time).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' })],
    ['Time (UTC)', record.time],
    ['Request id', record.requestId],
    ['Agent', agentLabel(record)],
    ['Identity', record.agent === null ? 'no valid agent key' : `${identity} ${record.agent}`],
    ['Service', record.service ?? 'none (refused before a service was chosen)'],
    ['Method', record.method],
    ['Path', record.path],
    ['Status', String(record.status)],
    ['Reason', record.reason ?? '—'],
    ['Credential', record.credentialId ?? 'none used'],
    ['Duration', formatDuration(record.durationMs)],
    ['Bytes in', `${formatBytes(record.bytesIn)} (${record.bytesIn} from the agent)`],
    ['Bytes out', `${formatBytes(record.bytesOut)} (${record.bytesOut} to the agent)`],
  ];
  return (
    <aside class="drawer" role="dialog" aria-label="Request details" data-testid="activity-drawer" data-request-id={record.requestId}>
      <header class="row">
        <h3>
          <code>{record.method}</code> {record.path}
        </h3>
        <button type="button" onClick={onClose} aria-label="Close details" data-testid="activity-drawer-close">
          ✕
        </button>
      </header>
      <p>
        <DecisionCell record={record} />
      </p>
      {code !== null && isErrorCode(code) && record.decision !== 'allowed' && (
        <p class="hint" data-testid="activity-drawer-hint">
          {personHint(code, 'browser')}
        </p>
      )}
      <dl>
        {fields.map(([name, value]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd data-field={name}>{value}</dd>
          </div>
        ))}
      </dl>
      {record.detail !== undefined && (
        <>
          <h4>Details computed by Keygate</h4>
          <dl data-testid="activity-drawer-detail">
            {Object.entries(record.detail).map(([name, value]) => (
              <div key={name}>
                <dt title={name}>{detailLabel(name)}</dt>
                <dd data-field={name}>{detailValue(value)}</dd>
              </div>
            ))}
          </dl>
        </>
      )}
      <p class="detail">The audit never records secrets, signatures or query strings.</p>
    </aside>
  );
}
