/** The options page's Activity and Overview read the audit log and the Binance ledger through these. */
import type { AuditStatsResult } from '../../../../shared/audit-messages';
import { DEFAULT_AUDIT_FILE_NAME } from '../../audit/audit-files';
import { UNAUTHENTICATED_AUDIT_FILE_NAME } from '../../audit/audit-log';
import { queryAuditLog } from '../../audit/audit-query';
import { readAuditStats } from '../../audit/audit-stats';
import { readDailyVolumeUse } from '../../binance/daily-volume-snapshot';
import type { HandlerTable } from './handler-table';

export interface AuditHandlerOptions {
  /** The data directory: audit files and the ledger. */
  directory: string;
  ledgerPath: string;
  /** The policy in force's `daily_volume_usd`. */
  dailyVolumeCapUsd: () => number | null;
  now: () => number;
  log: (line: string) => void;
}

export function auditHandlers(options: AuditHandlerOptions): HandlerTable<'audit.query' | 'audit.stats'> {
  const { directory, ledgerPath, dailyVolumeCapUsd, now, log } = options;
  const binanceVolume = async (): Promise<AuditStatsResult['binanceVolume']> => {
    try {
      return await readDailyVolumeUse(ledgerPath, dailyVolumeCapUsd(), now());
    } catch (error) {
      log(`keygate-host: audit.stats could not read the Binance ledger: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  };
  return {
    'audit.query': (request) => queryAuditLog(directory, request.source === 'unauthenticated' ? UNAUTHENTICATED_AUDIT_FILE_NAME : DEFAULT_AUDIT_FILE_NAME, request),
    'audit.stats': (request) =>
      readAuditStats(directory, { agents: DEFAULT_AUDIT_FILE_NAME, unauthenticated: UNAUTHENTICATED_AUDIT_FILE_NAME }, { since: request.since, until: request.until, bucket: request.bucket }, binanceVolume),
  };
}
