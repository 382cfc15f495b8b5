/**
 * The secret of `vault add` comes on stdin, never in argv (the process list and shell history
 * would keep it). Piped in, it is read to the end; typed at a terminal, it is read hidden.
 */
import { usageError, type CommandIo } from './command-io';
import { promptHidden } from './terminal-prompt';

/** A PEM RSA-4096 key in JSON is ~3.5 KB; the vault record takes at most 16 KiB. */
const MAX_INPUT_BYTES = 64 * 1024;

async function readAll(io: CommandIo): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of io.stdin) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), 'utf8');
    total += bytes.length;
    if (total > MAX_INPUT_BYTES) throw usageError(`stdin is larger than ${MAX_INPUT_BYTES} bytes; that is not an API key.`);
    chunks.push(bytes);
  }
  const bytes = Buffer.concat(chunks);
  const text = bytes.toString('utf8');
  for (const chunk of [bytes, ...chunks]) chunk.fill(0);
  return text;
}

export function readSecretInput(io: CommandIo, service: string): Promise<string> {
  if (!io.stdin.isTTY) return readAll(io);
  const noTerminalHint = 'pipe the secret in on stdin.';
  if (service === 'binance') {
    return promptHidden('Paste the Binance JSON ({"api_key": …}), then press Ctrl-D (input hidden):\n', { multiline: true, noTerminalHint });
  }
  return promptHidden('API key (input hidden): ', { noTerminalHint });
}
