import { useRef, useState } from 'preact/hooks';
import type { AuditQueryParams } from '../../../../shared/audit-messages';
import { callHost } from '../../background-call';
import { ErrorNote } from '../../components/ErrorNote';
import { datedFileName, downloadText } from '../../components/download-file';
import { useAction } from '../../hooks/use-action';
import { auditCsv, auditJsonLines } from './audit-export';
import { readAllPages } from './audit-paging';

const FORMATS = {
  csv: { label: 'CSV', type: 'text/csv', write: auditCsv },
  jsonl: { label: 'JSON lines', type: 'application/x-ndjson', write: auditJsonLines },
} as const;

type Format = keyof typeof FORMATS;

/** Downloads every line the filters match (all pages, read here in the browser), not just those shown. */
export function ActivityExport({ params }: { params: AuditQueryParams }) {
  const { busy, error, run } = useAction();
  const [progress, setProgress] = useState<number | null>(null);
  const cancelled = useRef(false);
  const exportAs = (format: Format) => {
    cancelled.current = false;
    setProgress(0);
    void run(async () => {
      const records = await readAllPages((page) => callHost('audit.query', page), params, setProgress, () => cancelled.current);
      if (cancelled.current) return;
      const { write, type } = FORMATS[format];
      downloadText(write(records), datedFileName('activity', format), type);
    }).finally(() => setProgress(null));
  };
  return (
    <div class="activity-export" data-testid="activity-export">
      {(Object.keys(FORMATS) as Format[]).map((format) => (
        <button key={format} type="button" disabled={busy} onClick={() => exportAs(format)} data-testid={`export-${format}`}>
          Export {FORMATS[format].label}
        </button>
      ))}
      {progress !== null && (
        <span class="detail" data-testid="export-progress">
          Reading the log… {progress.toLocaleString()} lines{' '}
          <button type="button" class="link" onClick={() => (cancelled.current = true)}>
            Cancel
          </button>
        </span>
      )}
      <ErrorNote error={error} testId="export-error" />
    </div>
  );
}
