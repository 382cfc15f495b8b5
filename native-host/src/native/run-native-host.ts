import type { Readable, Writable } from 'node:stream';
import { errorBody } from '../../../shared/errors';
import { DEFAULT_EXTENSION_ID, GECKO_EXTENSION_ID } from '../../../shared/identity';
import type { EventFrame } from '../../../shared/protocol';
import { defaultPolicy } from '../../../shared/policy/parse-policy';
import { AuditLog } from '../audit/audit-log';
import { BridgeRequests } from '../bridge/bridge-requests';
import { BulkLane } from '../bridge/bulk-lane';
import { ProxyRuntime } from '../proxy/proxy-runtime';
import { VaultKeeper } from '../vault/vault-keeper';
import { hostDataDir } from './host-data-dir';
import { allowedExtensionIds, isAllowedCaller, parseCaller } from './caller';
import { encodeFrames } from './frame-encoder';
import { serveNativePort } from './port';
import { createRequestHandler } from './request-handlers';

export interface NativeHostIo {
  browserArgs: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  input: Readable;
  output: Writable;
  log: (line: string) => void;
}

/**
 * The mode the browser starts: check the caller, then serve frames until the browser closes stdin.
 * One vault keeper per process: the browser starts one host per port, and a port is one extension.
 * Resolves to the process exit code.
 */
export async function runNativeHost(io: NativeHostIo): Promise<number> {
  const caller = parseCaller(io.browserArgs);
  const allowed = allowedExtensionIds(io.env.KEYGATE_ALLOWED_EXTENSIONS, [DEFAULT_EXTENSION_ID, GECKO_EXTENSION_ID]);
  if (!isAllowedCaller(caller, allowed)) {
    const who = JSON.stringify(io.browserArgs.slice(0, 2));
    io.log(`keygate-host: refusing caller ${who}; allowed: ${allowed.join(', ')}`);
    const fatal = { type: 'event', event: 'fatal', error: errorBody('CALLER_NOT_ALLOWED', `Caller: ${who}.`) };
    await new Promise<void>((resolve) => io.output.write(Buffer.concat(encodeFrames(fatal, () => 0)), () => resolve()));
    return 1;
  }
  const startedAt = Date.now();
  const vault = new VaultKeeper();
  const dataDir = hostDataDir(io.env);
  const audit = await AuditLog.open({ directory: dataDir, log: io.log });
  // The proxy starts listening when the extension sends its policy (the port is part of it).
  let sendEvent: ((event: EventFrame) => void) | null = null;
  const proxy = new ProxyRuntime(defaultPolicy(), {
    vault,
    audit,
    dataDir,
    onCredentialUsed: (credentialId, at) => sendEvent?.({ type: 'event', event: 'credential.used', credentialId, at }),
    onBinanceRestrictions: (restrictions) => sendEvent?.({ type: 'event', event: 'binance.restrictions', ...restrictions }),
    onCredentialHealth: (health) => sendEvent?.({ type: 'event', event: 'credential.health', ...health }),
  });
  // Chromium names the extension's origin in the host's arguments, and its background's fetch sends
  // it; Firefox's moz-extension origin is a per-install UUID the host cannot check, so Firefox keeps
  // every answer on the native port.
  const bulkLane = caller.browser === 'chromium' ? new BulkLane({ extensionOrigin: caller.origin.replace(/\/$/, '') }) : null;
  await bulkLane?.listen().catch((error: unknown) => io.log(`keygate-host: no bulk lane, large answers stay on the native port: ${String(error)}`));
  const bridge = new BridgeRequests(
    proxy.pipeline,
    (event) => sendEvent?.(event),
    {
      requestTimeoutMs: () => proxy.policy.proxy.requestTimeoutSeconds * 1000,
      agentStallMs: () => proxy.policy.proxy.upstreamTimeoutSeconds * 1000,
      now: Date.now,
    },
    bulkLane,
  );
  const port = serveNativePort({
    input: io.input,
    output: io.output,
    handle: createRequestHandler({ caller, startedAt, now: Date.now, vault, proxy, dataDir, log: io.log, bridge }),
    log: io.log,
    // A port that closed cancels every bridged request (and their upstream calls).
    onInputEnded: () => bridge.cancelAll(),
  });
  sendEvent = port.sendEvent;
  vault.onLocked((reason) => {
    io.log(`keygate-host: vault locked (${reason}).`);
    // The extension asked for the other locks, or is gone; only an idle lock would surprise it.
    if (reason === 'idle') port.sendEvent({ type: 'event', event: 'vault.locked', reason });
  });
  await port.closed;
  await bulkLane?.close();
  // A host left holding the key with no browser attached would be a key nobody can lock.
  vault.lock('disconnect');
  await proxy.close();
  await audit.close();
  return 0;
}
