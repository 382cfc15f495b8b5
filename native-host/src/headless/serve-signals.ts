/**
 * The signals a running `serve` acts on: SIGHUP reloads its files, SIGINT and SIGTERM stop it.
 * Listening starts once and stays on until the stop, so a second SIGHUP sent while a reload is still
 * running is queued rather than left to Node's default action (which ends the process). On
 * Windows, Node raises SIGHUP when the console window closes and ends the process seconds later
 * whatever it does: there it means stop, not reload.
 */
export type ServeSignal = 'SIGHUP' | 'SIGINT' | 'SIGTERM';

export interface ServeSignals {
  /** The next signal received, oldest first. */
  next(): Promise<ServeSignal>;
  /** Stops listening; later signals get Node's default action again. */
  close(): void;
}

const HANDLED: readonly ServeSignal[] = ['SIGHUP', 'SIGINT', 'SIGTERM'];

export function listenForServeSignals(target: Pick<NodeJS.Process, 'on' | 'off'> = process, platform: NodeJS.Platform = process.platform): ServeSignals {
  const received: ServeSignal[] = [];
  let waiting: ((signal: ServeSignal) => void) | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    const handled: ServeSignal = signal === 'SIGHUP' && platform === 'win32' ? 'SIGTERM' : (signal as ServeSignal);
    if (waiting === null) return void received.push(handled);
    const resolve = waiting;
    waiting = null;
    resolve(handled);
  };
  for (const signal of HANDLED) target.on(signal, onSignal);
  return {
    next: () => {
      const queued = received.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      return new Promise((resolve) => (waiting = resolve));
    },
    close: () => {
      for (const signal of HANDLED) target.off(signal, onSignal);
    },
  };
}
