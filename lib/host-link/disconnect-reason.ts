import type { ErrorCode } from '../../shared/errors';

/**
 * Chromium and Firefox report why a native port closed only as an English sentence in
 * `runtime.lastError` / `port.error`. These are the sentences that tell the user what to do next.
 */
const KNOWN_REASONS: ReadonlyArray<[RegExp, ErrorCode]> = [
  [/host not found|no such native application|not registered/i, 'HOST_NOT_INSTALLED'],
  [/forbidden/i, 'HOST_FORBIDDEN'],
];

export function classifyDisconnect(browserMessage: string | undefined): ErrorCode {
  if (!browserMessage) return 'HOST_EXITED';
  return KNOWN_REASONS.find(([pattern]) => pattern.test(browserMessage))?.[1] ?? 'HOST_EXITED';
}
