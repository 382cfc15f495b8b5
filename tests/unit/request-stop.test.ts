/**
 * RequestStop, the plain-object stop signal the HTTP front door and the pipeline use instead of an
 * AbortController: it must behave like one where the steps rely on it.
 */
import { describe, expect, it } from 'vitest';
import { RequestStop } from '../../native-host/src/upstream/stop-signal';
import { KeygateError } from '../../shared/errors';

describe('RequestStop', () => {
  it('runs each listener once, with the first reason kept, and none that was removed', () => {
    const stop = new RequestStop();
    const heard: string[] = [];
    const upstream = () => heard.push(`upstream:${(stop.reason as KeygateError).code}`);
    const reply = () => heard.push('reply');
    stop.addEventListener('abort', upstream, { once: true });
    stop.addEventListener('abort', upstream);
    stop.addEventListener('abort', reply);
    stop.removeEventListener('abort', reply);
    expect(stop.aborted).toBe(false);
    stop.abort(new KeygateError('VAULT_LOCKED'));
    stop.abort(new KeygateError('CLIENT_DISCONNECTED'));
    expect(stop.aborted).toBe(true);
    expect(heard).toEqual(['upstream:VAULT_LOCKED']);
  });

  it('does not call a listener added after it stopped (like an AbortSignal: the caller checks `aborted` first)', () => {
    const stop = new RequestStop();
    stop.abort();
    let called = false;
    stop.addEventListener('abort', () => (called = true));
    expect(called).toBe(false);
    expect(stop.reason).toBeUndefined();
  });
});
