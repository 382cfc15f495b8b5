import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { listenForServeSignals } from '../../native-host/src/headless/serve-signals';

/** Stands in for `process`: emit('SIGHUP', 'SIGHUP') is what Node does on a signal. */
function fakeProcess() {
  const emitter = new EventEmitter();
  const raise = (signal: NodeJS.Signals) => emitter.emit(signal, signal);
  return { target: emitter as unknown as Pick<NodeJS.Process, 'on' | 'off'>, emitter, raise };
}

describe('serve signals', () => {
  it('queues signals that arrive while nobody waits, and hands them out oldest first', async () => {
    const { target, raise } = fakeProcess();
    const signals = listenForServeSignals(target, 'linux');
    raise('SIGHUP');
    raise('SIGHUP');
    raise('SIGTERM');
    expect([await signals.next(), await signals.next(), await signals.next()]).toEqual(['SIGHUP', 'SIGHUP', 'SIGTERM']);
    const waiting = signals.next();
    raise('SIGINT');
    await expect(waiting).resolves.toBe('SIGINT');
  });

  it('treats SIGHUP as a stop on Windows, where it means the console window closed', async () => {
    const { target, raise } = fakeProcess();
    const signals = listenForServeSignals(target, 'win32');
    raise('SIGHUP');
    await expect(signals.next()).resolves.toBe('SIGTERM');
  });

  it('stops listening on close, leaving the signals to their default action again', () => {
    const { target, emitter } = fakeProcess();
    const signals = listenForServeSignals(target, 'linux');
    expect(['SIGHUP', 'SIGINT', 'SIGTERM'].map((signal) => emitter.listenerCount(signal))).toEqual([1, 1, 1]);
    signals.close();
    expect(['SIGHUP', 'SIGINT', 'SIGTERM'].map((signal) => emitter.listenerCount(signal))).toEqual([0, 0, 0]);
  });
});
