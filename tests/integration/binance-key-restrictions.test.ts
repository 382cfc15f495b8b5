/**
 * On unlock the host asks Binance what each stored key may do (GET /sapi/v1/account/apiRestrictions,
 * signed with that key) and warns loudly about keys that can withdraw or transfer funds out: a
 * `binance.restrictions` event on the native port for the extension, and a warning in
 * `GET /_keygate/status`. A key restricted to reading and spot trading raises none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeBinanceKey, type FakeBinanceKey, type MockBinance, startMockBinance } from '../support/mock-binance';
import { binancePolicy, type ProxyHost, startProxyHost, waitForHostEvent } from './proxy-host';

interface StatusBody {
  binance: { credentials: number | null; keyWarnings: Array<{ credentialId: string; canWithdraw: boolean; canTransfer: boolean; warning: string }> };
}

const withdrawing = fakeBinanceKey('hmac', 'withdraws');
const transferring = fakeBinanceKey('ed25519', 'transfers');
const restricted = fakeBinanceKey('hmac', 'restricted');
/** Stored in Keygate, unknown to Binance (deleted there, say): its check fails. */
const unknownToBinance = fakeBinanceKey('hmac', 'deleted');

let mock: MockBinance;

beforeAll(async () => {
  mock = await startMockBinance({
    keys: [withdrawing.mock, transferring.mock, restricted.mock],
    apiRestrictions: {
      [withdrawing.apiKey]: { enableWithdrawals: true },
      [transferring.apiKey]: { permitsUniversalTransfer: true },
      [restricted.apiKey]: { enableWithdrawals: false, enableInternalTransfer: false, permitsUniversalTransfer: false },
    },
  });
});

afterAll(async () => {
  await mock?.close();
});

async function startWith(keys: FakeBinanceKey[]): Promise<ProxyHost> {
  return startProxyHost({
    policy: binancePolicy(mock.url),
    credentials: keys.map((key) => key.credential),
    agents: [{ name: 'reader', scopes: ['binance:read'] }],
  });
}

async function status(proxy: ProxyHost): Promise<StatusBody> {
  const response = await proxy.raw({ path: '/_keygate/status', headers: [['Authorization', `Bearer ${proxy.agentKeys.reader}`]] });
  expect(response.status, response.body).toBe(200);
  return JSON.parse(response.body) as StatusBody;
}

const restrictionsOf = (proxy: ProxyHost, credentialId: string) =>
  waitForHostEvent(proxy.host, 'binance.restrictions', (frame) => frame.credentialId === credentialId);

describe('keys that can move funds out', () => {
  let proxy: ProxyHost;
  let ids: { withdrawing: string; transferring: string; restricted: string; unknown: string };

  beforeAll(async () => {
    proxy = await startWith([withdrawing, transferring, restricted, unknownToBinance]);
    const [a, b, c, d] = proxy.credentialIds;
    ids = { withdrawing: a!, transferring: b!, restricted: c!, unknown: d! };
  });

  afterAll(() => proxy.stop());

  it('asks Binance about each key on unlock, signed with that key', async () => {
    for (const id of Object.values(ids)) await restrictionsOf(proxy, id);
    const asked = mock.received.filter((request) => request.path === '/sapi/v1/account/apiRestrictions');
    for (const key of [withdrawing, transferring, restricted]) {
      const request = asked.find((candidate) => candidate.apiKey === key.apiKey);
      expect(request, key.apiKey).toBeDefined();
      expect(request!.method).toBe('GET');
      expect(request!.signatureValid).toBe(true);
    }
  });

  it('sends the extension a binance.restrictions event per key: canWithdraw / canTransfer as Binance says', async () => {
    expect(await restrictionsOf(proxy, ids.withdrawing)).toMatchObject({ canWithdraw: true, canTransfer: false, error: null });
    expect(await restrictionsOf(proxy, ids.transferring)).toMatchObject({ canWithdraw: false, canTransfer: true, error: null });
    expect(await restrictionsOf(proxy, ids.restricted)).toMatchObject({ canWithdraw: false, canTransfer: false, error: null });
    // A key Binance does not know cannot be vetted: the event says so rather than claiming it is safe.
    const unknown = await restrictionsOf(proxy, ids.unknown);
    expect(unknown.error).toMatchObject({ code: expect.any(String) });
  });

  it('warns in /_keygate/status about the keys that can withdraw or transfer, or could not be vetted', async () => {
    const body = await status(proxy);
    expect(body.binance.credentials).toBe(4);
    const warnings = body.binance.keyWarnings;
    expect(warnings.map((warning) => warning.credentialId).sort()).toEqual([ids.withdrawing, ids.transferring, ids.unknown].sort());
    expect(warnings.find((warning) => warning.credentialId === ids.withdrawing)).toMatchObject({ canWithdraw: true, canTransfer: false, warning: expect.stringMatching(/move funds/) });
    expect(warnings.find((warning) => warning.credentialId === ids.transferring)).toMatchObject({ canWithdraw: false, canTransfer: true, warning: expect.stringMatching(/move funds/) });
    // Unvetted is not the same as safe: the agent is told to assume the worst.
    expect(warnings.find((warning) => warning.credentialId === ids.unknown)?.warning).toMatch(/could not ask Binance/);
    const text = JSON.stringify(body);
    for (const key of [withdrawing, transferring, restricted]) {
      expect(text).not.toContain(key.apiKey);
      expect(text).not.toContain(key.privateText);
    }
  });
});

describe('a key restricted to reading and spot trading', () => {
  let proxy: ProxyHost;

  beforeAll(async () => {
    proxy = await startWith([restricted]);
  });

  afterAll(() => proxy.stop());

  it('raises no warning', async () => {
    expect(await restrictionsOf(proxy, proxy.credentialIds[0]!)).toMatchObject({ canWithdraw: false, canTransfer: false, error: null });
    expect((await status(proxy)).binance.keyWarnings).toEqual([]);
  });
});
