/**
 * Who holds a TCP port, for the "port in use" message of `serve`: a person fixing EADDRINUSE wants
 * to know which program to stop. Linux only (it reads /proc, which needs no extra tool); elsewhere,
 * or when the holder belongs to another user, the answer is null and the message says less.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';

export interface PortHolder {
  pid: number;
  /** The holder's command line, shortened. */
  command: string;
}

const LISTEN_STATE = '0A';

/** Socket inodes listening on `port` (any local address) in a /proc/net/tcp{,6} table. */
export function listeningInodes(table: string, port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes: string[] = [];
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const [, local, , state, , , , , , inode] = fields;
    if (local?.endsWith(`:${hexPort}`) && state === LISTEN_STATE && inode !== undefined && inode !== '0') inodes.push(inode);
  }
  return inodes;
}

async function readOr(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '');
}

/** The process listening on `port`, read from a /proc tree (Linux's, unless a test gives its own). */
export async function findPortHolder(port: number, procRoot = '/proc'): Promise<PortHolder | null> {
  const tables = await Promise.all([readOr(`${procRoot}/net/tcp`), readOr(`${procRoot}/net/tcp6`)]);
  const wanted = new Set(tables.flatMap((table) => listeningInodes(table, port)).map((inode) => `socket:[${inode}]`));
  if (wanted.size === 0) return null;
  const pids = (await readdir(procRoot).catch(() => [] as string[])).filter((name) => /^\d+$/.test(name));
  for (const pid of pids) {
    const fds = await readdir(`${procRoot}/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`${procRoot}/${pid}/fd/${fd}`).catch(() => '');
      if (!wanted.has(target)) continue;
      const command = (await readOr(`${procRoot}/${pid}/cmdline`)).split('\0').filter(Boolean).join(' ');
      return { pid: Number(pid), command: command.length > 120 ? `${command.slice(0, 117)}...` : command };
    }
  }
  return null;
}
