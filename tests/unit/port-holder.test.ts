import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findPortHolder, listeningInodes } from '../../native-host/src/headless/port-holder';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
// 8472 = 0x2118; state 0A is LISTEN, 01 ESTABLISHED.
const TABLE = [
  HEADER,
  '   0: 0100007F:2118 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 424242 1 0000000000000000 100 0 0 10 0',
  '   1: 0100007F:2118 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 515151 1 0000000000000000 20 4 30 10 -1',
  '   2: 0100007F:2119 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 616161 1 0000000000000000 100 0 0 10 0',
].join('\n');

let root: string | null = null;
afterEach(async () => {
  if (root !== null) await rm(root, { recursive: true, force: true });
  root = null;
});

describe('port holder', () => {
  it('reads the listening socket of a port from /proc/net/tcp, not its connections or other ports', () => {
    expect(listeningInodes(TABLE, 8472)).toEqual(['424242']);
    expect(listeningInodes(TABLE, 8474)).toEqual([]);
  });

  it('finds the process whose descriptor is that socket, with its command line', async () => {
    root = await mkdtemp(join(tmpdir(), 'keygate-proc-'));
    await mkdir(join(root, 'net'));
    await writeFile(join(root, 'net', 'tcp'), TABLE);
    await writeFile(join(root, 'net', 'tcp6'), HEADER);
    for (const [pid, inode, command] of [['77', '999', ['sleep', '9'].join('\0')], ['1234', '424242', ['node', '/opt/other-proxy.js', '--port', '8472'].join('\0')]] as const) {
      await mkdir(join(root, pid, 'fd'), { recursive: true });
      await symlink(`socket:[${inode}]`, join(root, pid, 'fd', '3'));
      await writeFile(join(root, pid, 'cmdline'), command);
    }
    expect(await findPortHolder(8472, root)).toEqual({ pid: 1234, command: 'node /opt/other-proxy.js --port 8472' });
    expect(await findPortHolder(8473, root)).toBeNull();
  });
});
