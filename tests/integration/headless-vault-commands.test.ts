/**
 * `keygate-host vault …` and `agent …` against real files in a temp dir, with the default
 * Argon2id cost (~1.2 s a derivation). The vault is created once through the CLI; each test works
 * on a copy, and the test unlocks it once itself to check what the commands sealed.
 */
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintAgentKey } from '../../shared/agents/new-agent-key';
import { openSealedSecret } from '../../shared/vault/envelope';
import { validateVaultExport } from '../../shared/vault/export-file';
import type { AgentKeyRecord, VaultExport } from '../../shared/vault/format';
import { addAgentRecord, addSealedCredential, markCredentialUsed, unlockVaultDocument } from '../../shared/vault/vault-document';
import { type CommandResult, hostEnv, runHostCommand, TEST_PASSWORD } from './headless-host';

const OPENAI_KEY = 'sk-proj-HEADLESS-FAKE-0123456789abcdef';
/** Binance keys are 64 letters and digits; the vault refuses anything else, as the popup does. */
const BINANCE_API_KEY = 'FAKEbinanceAPIkeyFORtests'.padEnd(64, '0');
const HMAC_SECRET = 'FAKEbinanceHMACsecretFORtests'.padEnd(64, '1');
const utf8 = (text: string) => new TextEncoder().encode(text);

let dir: string;
let base: string;
let init: CommandResult;
let dataKey: Uint8Array;
let copies = 0;

const readVault = async (path: string): Promise<VaultExport> => validateVaultExport(JSON.parse(await readFile(path, 'utf8')));
const openSecret = (vault: VaultExport, index: number) => {
  const record = vault.credentials[index]!;
  return new TextDecoder().decode(openSealedSecret(dataKey, record.id, record.sealed));
};

/** A fresh copy of the vault made in beforeAll, optionally with records sealed in-process. */
async function vaultCopy(edit: (vault: VaultExport) => VaultExport = (vault) => vault): Promise<string> {
  const path = join(dir, `vault-${++copies}.json`);
  await writeFile(path, JSON.stringify(edit(await readVault(base))), { mode: 0o600 });
  return path;
}

function withCredential(vault: VaultExport, service: string, name: string): VaultExport {
  return addSealedCredential(vault, dataKey, { service, name, kind: 'api_key', secret: utf8(`${service}-${name}-SECRET`) }, Date.now()).document;
}

/** Minted in-process (no Argon2id derivation, unlike `agent create`); `createdAt` is `now`. */
async function mintAgent(name: string, scopes: string[], options: { expiresAt?: number; now?: number; enabled?: boolean } = {}) {
  const { key, record } = await mintAgentKey({ name, scopes, expiresAt: options.expiresAt ?? null }, options.now ?? Date.now());
  return { key, record: { ...record, enabled: options.enabled ?? true } };
}

function withAgents(...records: AgentKeyRecord[]): (vault: VaultExport) => VaultExport {
  return (vault) => records.reduce((document, record) => addAgentRecord(document, record, Date.now()), vault);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keygate-headless-vault-'));
  base = join(dir, 'base.json');
  init = await runHostCommand(['vault', 'init', '--file', base]);
  dataKey = await unlockVaultDocument(await readVault(base), TEST_PASSWORD);
}, 30_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('vault init', () => {
  it('creates a file only its owner can read, in the export format', async () => {
    expect(init).toMatchObject({ code: 0, stdout: `created vault ${base}\n` });
    expect((await stat(base)).mode & 0o777).toBe(0o600);
    expect(await readVault(base)).toMatchObject({ format: 'keygate-vault', credentials: [], agents: [], meta: { kdf: { memoryKiB: 262144, iterations: 3 } } });
  });

  it('refuses a weak password and an existing file', async () => {
    const weak = await runHostCommand(['vault', 'init', '--file', join(dir, 'weak.json')], { env: hostEnv({ KEYGATE_PASSWORD: 'password123' }) });
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('too easy to guess');
    await expect(stat(join(dir, 'weak.json'))).rejects.toMatchObject({ code: 'ENOENT' });

    const before = await readFile(base, 'utf8');
    const again = await runHostCommand(['vault', 'init', '--file', base]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
    expect(await readFile(base, 'utf8')).toBe(before);
  });
});

describe('vault add', () => {
  it('seals the API key read from stdin; the file holds no plaintext', async () => {
    const path = await vaultCopy();
    const result = await runHostCommand(['vault', 'add', '--file', path, '--service', 'openai', '--name', 'work'], { input: `${OPENAI_KEY}\n` });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^added openai credential "work" \(api_key, id [\w-]{22}\)\n$/);
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain(OPENAI_KEY);
    const vault = validateVaultExport(JSON.parse(text));
    expect(vault.credentials).toMatchObject([{ service: 'openai', name: 'work', kind: 'api_key', lastUsedAt: null }]);
    expect(openSecret(vault, 0)).toBe(OPENAI_KEY);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('takes a Binance HMAC pair as JSON', async () => {
    const path = await vaultCopy();
    const input = JSON.stringify({ api_key: BINANCE_API_KEY, secret_key: HMAC_SECRET });
    const result = await runHostCommand(['vault', 'add', '--file', path, '--service', 'binance', '--name', 'spot'], { input });
    expect(result.code).toBe(0);
    const vault = await readVault(path);
    expect(vault.credentials[0]?.kind).toBe('binance_hmac');
    expect(JSON.stringify(vault)).not.toContain(HMAC_SECRET);
    expect(JSON.parse(openSecret(vault, 0))).toEqual({ api_key: BINANCE_API_KEY, secret_key: HMAC_SECRET });
  });

  it('checks a Binance HMAC pair as the popup does, and names the field without echoing it', async () => {
    const path = await vaultCopy();
    const add = (fields: { api_key: string; secret_key: string }) =>
      runHostCommand(['vault', 'add', '--file', path, '--service', 'binance', '--name', 'spot'], { input: JSON.stringify(fields) });
    const wrongSecrets = ['FAKEshortSECRET', `${HMAC_SECRET}0`, HMAC_SECRET.replace(/1$/, '-'), 'FAKE hmac secret with spaces'.padEnd(64, 'x')];
    for (const secretKey of wrongSecrets) {
      const refused = await add({ api_key: BINANCE_API_KEY, secret_key: secretKey });
      expect(refused).toMatchObject({ code: 2, stdout: '' });
      expect(refused.stderr).toContain('secret_key is not 64 letters and digits');
      expect(refused.stderr).not.toContain(secretKey);
    }
    const badApiKey = await add({ api_key: 'BINANCE-FAKE-API-KEY', secret_key: HMAC_SECRET });
    expect(badApiKey.code).toBe(2);
    expect(badApiKey.stderr).toContain('api_key is not 64 letters and digits');
    expect(badApiKey.stderr).not.toContain(HMAC_SECRET);
    expect((await readVault(path)).credentials).toEqual([]);
  });

  it('tells Ed25519 from RSA by the PEM, and refuses a --kind the PEM contradicts or a key Binance cannot use', async () => {
    const pem = ({ privateKey }: { privateKey: KeyObject }) => privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const add = (path: string, name: string, keyPem: string, kind: string[] = []) =>
      runHostCommand(['vault', 'add', '--file', path, '--service', 'binance', '--name', name, ...kind], {
        input: JSON.stringify({ api_key: `FAKEapiKEY${name}`.padEnd(64, '0'), private_key_pem: keyPem }),
      });
    const path = await vaultCopy();
    const ed25519 = pem(generateKeyPairSync('ed25519'));
    expect((await add(path, 'ed', ed25519)).code).toBe(0);
    expect((await add(path, 'rsa', pem(generateKeyPairSync('rsa', { modulusLength: 2048 })))).code).toBe(0);
    const vault = await readVault(path);
    expect(vault.credentials.map((record) => record.kind)).toEqual(['binance_ed25519', 'binance_rsa']);
    expect(JSON.parse(openSecret(vault, 0))).toEqual({ api_key: 'FAKEapiKEYed'.padEnd(64, '0'), private_key_pem: ed25519.trim() });

    const mismatch = await add(path, 'wrong', pem(generateKeyPairSync('rsa', { modulusLength: 2048 })), ['--kind', 'binance_ed25519']);
    expect(mismatch).toMatchObject({ code: 2, stdout: '' });
    expect(mismatch.stderr).toContain('does not match the key in "private_key_pem" (binance_rsa)');
    const ec = await add(path, 'ec', pem(generateKeyPairSync('ec', { namedCurve: 'P-256' })));
    expect(ec.code).toBe(2);
    expect(ec.stderr).toContain('Binance accepts Ed25519 and RSA keys');
    expect((await readVault(path)).credentials).toHaveLength(2);
  });

  it('refuses a secret of several lines and Binance input that is not one of the two forms', async () => {
    const path = await vaultCopy();
    const twoLines = await runHostCommand(['vault', 'add', '--file', path, '--service', 'openai', '--name', 'x'], { input: 'sk-one\nsk-two\n' });
    expect(twoLines.code).toBe(2);
    expect(twoLines.stderr).toContain('one line');
    const extra = JSON.stringify({ api_key: 'A', secret_key: 'B', note: 'C' });
    const binance = await runHostCommand(['vault', 'add', '--file', path, '--service', 'binance', '--name', 'x'], { input: extra });
    expect(binance.code).toBe(2);
    expect(binance.stderr).toContain('{"api_key": "...", "secret_key": "..."}');
    expect(binance.stderr).not.toContain('"B"');
  });
});

describe('vault list', () => {
  it('shows metadata without a password, never a secret', async () => {
    const path = await vaultCopy((vault) => {
      const withTwo = withCredential(withCredential(vault, 'openai', 'work'), 'anthropic', 'claude');
      return markCredentialUsed(withTwo, withTwo.credentials[0]!.id, Date.UTC(2026, 0, 15, 10, 30, 0));
    });
    const { credentials } = await readVault(path);
    const result = await runHostCommand(['vault', 'list', '--file', path], { env: { PATH: '/usr/bin:/bin' } });
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SERVICE\s+NAME\s+KIND\s+ID\s+CREATED\s+LAST USED$/);
    expect(lines[1]).toMatch(new RegExp(`^anthropic\\s+claude\\s+api_key\\s+${credentials[1]!.id}\\s+\\d{4}-\\d\\d-\\d\\dT[\\d:]{8}Z\\s+never$`));
    expect(lines[2]).toMatch(new RegExp(`^openai\\s+work\\s+api_key\\s+${credentials[0]!.id}\\s+\\S+\\s+2026-01-15T10:30:00Z$`));
    expect(result.stdout).not.toContain('SECRET');
    expect(result.stdout).not.toContain(credentials[0]!.sealed.ciphertext);
  });
});

describe('vault remove', () => {
  it('asks for --id when a name is ambiguous, then removes just that one', async () => {
    const path = await vaultCopy((vault) => withCredential(withCredential(withCredential(vault, 'openai', 'work'), 'anthropic', 'work'), 'openai', 'home'));
    const [first, second] = (await readVault(path)).credentials;
    const ambiguous = await runHostCommand(['vault', 'remove', '--file', path, '--name', 'work']);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain(first!.id);
    expect(ambiguous.stderr).toContain(second!.id);

    const removed = await runHostCommand(['vault', 'remove', '--file', path, '--name', 'work', '--id', second!.id]);
    expect(removed).toMatchObject({ code: 0, stdout: `removed anthropic credential "work" (id ${second!.id})\n` });
    expect((await readVault(path)).credentials.map((record) => record.name)).toEqual(['work', 'home']);
  });

  it('refuses without the right password and leaves the file alone', async () => {
    const path = await vaultCopy((vault) => withCredential(vault, 'openai', 'work'));
    const before = await readFile(path, 'utf8');
    const result = await runHostCommand(['vault', 'remove', '--file', path, '--name', 'work'], { env: hostEnv({ KEYGATE_PASSWORD: 'correct horse battery staple 43' }) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('The master password does not open this vault.');
    expect(await readFile(path, 'utf8')).toBe(before);
  });
});

describe('vault passwd', () => {
  const NEW_PASSWORD = 'purple elephant marmalade 1999';

  it('re-wraps the data key under the new password; the records and agent keys stay as they were', async () => {
    const path = await vaultCopy((vault) => withCredential(vault, 'openai', 'work'));
    const before = await readVault(path);
    const result = await runHostCommand(['vault', 'passwd', '--file', path], { env: hostEnv({ KEYGATE_NEW_PASSWORD: NEW_PASSWORD }) });
    expect(result).toMatchObject({ code: 0, stdout: `changed the master password of ${path}\n` });
    expect(result.stderr).toContain('still open with the old password');

    const after = await readVault(path);
    expect(after.credentials).toEqual(before.credentials);
    expect(after.agents).toEqual(before.agents);
    expect(after.meta.kdf.salt).not.toBe(before.meta.kdf.salt);
    expect({ ...after.meta.kdf, salt: '' }).toEqual({ ...before.meta.kdf, salt: '' });
    expect(Buffer.from(await unlockVaultDocument(after, NEW_PASSWORD)).equals(Buffer.from(dataKey))).toBe(true);
    await expect(unlockVaultDocument(after, TEST_PASSWORD)).rejects.toMatchObject({ code: 'VAULT_PASSWORD_WRONG' });
    expect(openSecret(after, 0)).toBe('openai-work-SECRET');
  });

  it('refuses a wrong old password or a weak new one, and leaves the file byte for byte', async () => {
    const path = await vaultCopy();
    const before = await readFile(path, 'utf8');
    const wrongOld = await runHostCommand(['vault', 'passwd', '--file', path], { env: hostEnv({ KEYGATE_PASSWORD: 'correct horse battery staple 43', KEYGATE_NEW_PASSWORD: NEW_PASSWORD }) });
    expect(wrongOld.code).toBe(1);
    expect(wrongOld.stderr).toContain('The master password does not open this vault.');
    const weakNew = await runHostCommand(['vault', 'passwd', '--file', path], { env: hostEnv({ KEYGATE_NEW_PASSWORD: 'password123' }) });
    expect(weakNew.code).toBe(1);
    expect(weakNew.stderr).toContain('too easy to guess');
    const noNew = await runHostCommand(['vault', 'passwd', '--file', path]);
    expect(noNew.code).toBe(2);
    expect(noNew.stderr).toContain('set KEYGATE_NEW_PASSWORD or run the command in a terminal');
    expect(await readFile(path, 'utf8')).toBe(before);
  });
});

describe('agent create', () => {
  it('prints only the new pk_ key; the file keeps its SHA-256', async () => {
    const path = await vaultCopy();
    const result = await runHostCommand(['agent', 'create', '--file', path, '--name', 'ci', '--scopes', 'openai,custom:github', '--expires', '2099-01-01T00:00:00Z']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^pk_[\w-]{43}\n$/);
    const key = result.stdout.trim();
    const { agents } = await readVault(path);
    expect(agents).toEqual([
      {
        id: expect.any(String),
        name: 'ci',
        keyHash: createHash('sha256').update(key).digest('hex'),
        scopes: ['custom:github', 'openai'],
        createdAt: expect.any(Number),
        expiresAt: Date.UTC(2099, 0, 1),
        enabled: true,
      },
    ]);
    expect(await readFile(path, 'utf8')).not.toContain(key);
  });

  it('refuses an unknown scope before asking for anything', async () => {
    const path = await vaultCopy();
    const result = await runHostCommand(['agent', 'create', '--file', path, '--name', 'ci', '--scopes', 'openai,github'], { env: { PATH: '/usr/bin:/bin' } });
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toContain('Unknown scope "github"');
    expect((await readVault(path)).agents).toEqual([]);
  });
});

describe('agent list', () => {
  it('shows name, scopes, state and expiry without a password, never a key or its hash', async () => {
    const created = Date.UTC(2026, 0, 15, 10, 0, 0);
    const ci = await mintAgent('ci', ['openai', 'custom:github'], { expiresAt: Date.UTC(2099, 0, 1), now: created });
    const bot = await mintAgent('bot', ['anthropic'], { now: created, enabled: false });
    const old = await mintAgent('old', ['binance:read'], { expiresAt: Date.UTC(2020, 0, 1), now: Date.UTC(2019, 5, 1, 8, 30, 15) });
    const path = await vaultCopy(withAgents(old.record, ci.record, bot.record));
    const result = await runHostCommand(['agent', 'list', '--file', path], { env: { PATH: '/usr/bin:/bin' } });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^NAME\s+ID\s+SCOPES\s+STATE\s+EXPIRES\s+CREATED$/),
      expect.stringMatching(new RegExp(`^bot\\s+${bot.record.id}\\s+anthropic\\s+disabled\\s+never\\s+2026-01-15T10:00:00Z$`)),
      expect.stringMatching(new RegExp(`^ci\\s+${ci.record.id}\\s+custom:github,openai\\s+enabled\\s+2099-01-01T00:00:00Z\\s+2026-01-15T10:00:00Z$`)),
      expect.stringMatching(new RegExp(`^old\\s+${old.record.id}\\s+binance:read\\s+expired\\s+2020-01-01T00:00:00Z\\s+2019-06-01T08:30:15Z$`)),
    ]);
    for (const { key, record } of [ci, bot, old]) {
      expect(result.stdout).not.toContain(record.keyHash);
      expect(result.stdout).not.toContain(key);
    }
    expect(result.stdout).not.toContain('pk_');
  });

  it('prints only the heading for a vault without agent keys, and says how to make one', async () => {
    const result = await runHostCommand(['agent', 'list', '--file', await vaultCopy()], { env: { PATH: '/usr/bin:/bin' } });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^NAME\s+ID\s+SCOPES\s+STATE\s+EXPIRES\s+CREATED\n$/);
    expect(result.stderr).toContain('keygate-host agent create');
  });
});

describe('agent remove', () => {
  it('asks for --id when a name is ambiguous and changes nothing, then removes just the one named', async () => {
    const [first, second, bot] = await Promise.all([mintAgent('ci', ['openai']), mintAgent('ci', ['anthropic']), mintAgent('bot', ['openai'])]);
    const path = await vaultCopy(withAgents(first!.record, second!.record, bot!.record));
    const before = await readFile(path, 'utf8');
    const ambiguous = await runHostCommand(['agent', 'remove', '--file', path, '--name', 'ci']);
    expect(ambiguous).toMatchObject({ code: 2, stdout: '' });
    expect(ambiguous.stderr).toContain('2 agent keys are named "ci"; choose one with --id');
    expect(ambiguous.stderr).toContain(first!.record.id);
    expect(ambiguous.stderr).toContain(second!.record.id);
    expect(await readFile(path, 'utf8')).toBe(before);

    const removed = await runHostCommand(['agent', 'remove', '--file', path, '--name', 'bot']);
    expect(removed).toMatchObject({ code: 0, stdout: `removed agent key "bot" (id ${bot!.record.id})\n` });
    expect((await readVault(path)).agents).toEqual([first!.record, second!.record]);

    const byId = await runHostCommand(['agent', 'remove', '--file', path, '--id', second!.record.id]);
    expect(byId).toMatchObject({ code: 0, stdout: `removed agent key "ci" (id ${second!.record.id})\n` });
    expect((await readVault(path)).agents).toEqual([first!.record]);
  });

  it('takes an --id that starts with a dash, as one random id in 64 does', async () => {
    const minted = await mintAgent('dash', ['openai']);
    const record = { ...minted.record, id: `-${minted.record.id.slice(1)}` };
    const path = await vaultCopy(withAgents(record));
    const result = await runHostCommand(['agent', 'remove', '--file', path, '--id', record.id]);
    expect(result).toMatchObject({ code: 0, stdout: `removed agent key "dash" (id ${record.id})\n` });
    expect((await readVault(path)).agents).toEqual([]);
  });

  it('refuses without the right password and leaves the file byte for byte', async () => {
    const ci = await mintAgent('ci', ['openai']);
    const path = await vaultCopy(withAgents(ci.record));
    const before = await readFile(path, 'utf8');
    const wrong = hostEnv({ KEYGATE_PASSWORD: 'correct horse battery staple 43' });
    for (const command of ['remove', 'disable']) {
      const result = await runHostCommand(['agent', command, '--file', path, '--name', 'ci'], { env: wrong });
      expect(result).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr).toContain('The master password does not open this vault.');
    }
    expect(await readFile(path, 'utf8')).toBe(before);
  });
});

describe('agent disable and enable', () => {
  it('switches one key off and on again, as the file and agent list show', async () => {
    const [ci, bot] = await Promise.all([mintAgent('ci', ['openai']), mintAgent('bot', ['anthropic'])]);
    const path = await vaultCopy(withAgents(ci.record, bot.record));
    const stateOf = async (name: string) => {
      const list = await runHostCommand(['agent', 'list', '--file', path]);
      return list.stdout.split('\n').find((line) => line.startsWith(`${name} `))?.split(/\s+/)[3];
    };

    const disabled = await runHostCommand(['agent', 'disable', '--file', path, '--name', 'ci']);
    expect(disabled).toMatchObject({ code: 0, stdout: `disabled agent key "ci" (id ${ci.record.id})\n` });
    expect(disabled.stderr).toContain('restart it, or send it SIGHUP');
    expect((await readVault(path)).agents).toEqual([{ ...ci.record, enabled: false }, bot.record]);
    expect([await stateOf('ci'), await stateOf('bot')]).toEqual(['disabled', 'enabled']);

    const enabled = await runHostCommand(['agent', 'enable', '--file', path, '--id', ci.record.id]);
    expect(enabled).toMatchObject({ code: 0, stdout: `enabled agent key "ci" (id ${ci.record.id})\n` });
    expect((await readVault(path)).agents).toEqual([ci.record, bot.record]);
    expect(await stateOf('ci')).toBe('enabled');
  });

  it('leaves a key already in that state alone, without asking for the password', async () => {
    const ci = await mintAgent('ci', ['openai']);
    const path = await vaultCopy(withAgents(ci.record));
    const before = await readFile(path, 'utf8');
    const result = await runHostCommand(['agent', 'enable', '--file', path, '--name', 'ci'], { env: { PATH: '/usr/bin:/bin' } });
    expect(result).toMatchObject({ code: 0, stdout: `agent key "ci" (id ${ci.record.id}) is already enabled; nothing changed\n` });
    expect(await readFile(path, 'utf8')).toBe(before);
  });

  it('says that enabling an expired key does not bring it back', async () => {
    const old = await mintAgent('old', ['openai'], { expiresAt: Date.UTC(2020, 0, 1), now: Date.UTC(2019, 0, 1), enabled: false });
    const path = await vaultCopy(withAgents(old.record));
    const result = await runHostCommand(['agent', 'enable', '--file', path, '--name', 'old']);
    expect(result).toMatchObject({ code: 0, stdout: `enabled agent key "old" (id ${old.record.id})\n` });
    expect(result.stderr).toContain('It expired at 2020-01-01T00:00:00Z, so the proxy still refuses it');
    expect((await readVault(path)).agents[0]?.enabled).toBe(true);
  });
});
