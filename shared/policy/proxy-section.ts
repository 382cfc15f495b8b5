/** `[proxy]`: how the local proxy listens, locks and talks to upstreams. */
import { integerIn } from './policy-checks';
import { POLICY_BOUNDS } from './policy-defaults';
import type { TableReader } from './policy-reader';
import type { ProxyPolicy } from './policy-types';
import { allowedOrigin, upstreamProxyUrl } from './policy-urls';

export const PROXY_KEYS = [
  'port',
  'idle_lock_minutes',
  'allowed_origins',
  'max_request_body_bytes',
  'upstream_timeout_seconds',
  'upstream_proxy',
  'request_timeout_seconds',
  'max_connections',
  'retry_buffer_bytes',
];

export function readProxy(table: TableReader, defaults: ProxyPolicy): ProxyPolicy {
  return {
    port: table.value('port', integerIn(POLICY_BOUNDS.port), defaults.port),
    idleLockMinutes: table.value('idle_lock_minutes', integerIn(POLICY_BOUNDS.idleLockMinutes), defaults.idleLockMinutes),
    allowedOrigins: table.list('allowed_origins', allowedOrigin) ?? defaults.allowedOrigins,
    maxRequestBodyBytes: table.value('max_request_body_bytes', integerIn(POLICY_BOUNDS.maxRequestBodyBytes), defaults.maxRequestBodyBytes),
    upstreamTimeoutSeconds: table.value('upstream_timeout_seconds', integerIn(POLICY_BOUNDS.upstreamTimeoutSeconds), defaults.upstreamTimeoutSeconds),
    upstreamProxy: table.value('upstream_proxy', upstreamProxyUrl, defaults.upstreamProxy),
    requestTimeoutSeconds: table.value('request_timeout_seconds', integerIn(POLICY_BOUNDS.requestTimeoutSeconds), defaults.requestTimeoutSeconds),
    maxConnections: table.value('max_connections', integerIn(POLICY_BOUNDS.maxConnections), defaults.maxConnections),
    retryBufferBytes: table.value('retry_buffer_bytes', integerIn(POLICY_BOUNDS.retryBufferBytes), defaults.retryBufferBytes),
  };
}
