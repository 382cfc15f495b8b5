/**
 * What Keygate adds to a signed Binance order. The mock Binance (tests/support/mock-binance.ts, a real
 * HTTP server in this process that verifies every signature) is called, in the same run and over
 * the same keep-alive undici client (one connection per origin):
 *
 * - direct: `POST /api/v3/order` (LIMIT BUY BTCUSDT 0.0001 × 50000 = $5, below the market so it rests)
 *   signed here with node:crypto — HMAC-SHA256 over the percent-encoded query with `timestamp` and
 *   `recvWindow`, as any Binance client does; the signing is inside the timed span;
 * - viaKeygate: the same order, unsigned, to the real built keygate-host at `/binance/api/v3/order`
 *   with a `pk_` key; the host checks the endpoint, scope and caps, books the order's value in the
 *   daily-volume ledger (written and fsynced before the order is forwarded), opens the sealed key,
 *   signs and forwards;
 * - the same two with `/api/v3/order/test`, which passes the same checks but reserves nothing, so
 *   the ledger write is left out: the difference between the two added costs is the ledger's.
 *
 * N requests per variant after a warm-up, sequential (one in flight), in blocks whose order rotates
 * every round so drift hits every variant alike. The fsync's cost depends on the file system the
 * host's data directory is on (`ledgerFilesystem`): on tmpfs it is close to nothing.
 */
import { createHmac } from 'node:crypto';
import { readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent } from 'undici';
import { startProxyHost } from '../tests/integration/proxy-host';
import { startMockBinance } from '../tests/support/mock-binance';
import { processCpuMs, round, summarizeLatency } from './stats';

const WARMUP = 200;
const BLOCK = 100;
/** 10 × 100 = 1,000 measured orders per variant. */
const BLOCKS = 10;
const RECV_WINDOW_MS = 5000;
/** What the host calls its ledger file (native-host/src/proxy/proxy-runtime.ts, BINANCE_LEDGER_FILE). */
const LEDGER_FILE = 'binance-daily-volume.json';

/** Obviously fake, in the shape Binance issues (64 letters and digits); only the mock knows them. */
const FAKE_API_KEY = 'FAKEkeygateBenchApiKey'.padEnd(64, '0');
const FAKE_SECRET_KEY = 'FAKEkeygateBenchSecretKey'.padEnd(64, '0');

const QUANTITY = '0.0001';
const PRICE = '50000';
const ORDER_VALUE_CENTS = 500;
const ORDER_PARAMS: Array<[string, string]> = [
  ['symbol', 'BTCUSDT'],
  ['side', 'BUY'],
  ['type', 'LIMIT'],
  ['timeInForce', 'GTC'],
  ['quantity', QUANTITY],
  ['price', PRICE],
];

type VariantName = 'direct' | 'directOrderTest' | 'viaKeygate' | 'viaKeygateOrderTest';

interface Variant {
  name: VariantName;
  origin: string;
  /** The full request target, built per request (direct variants sign a fresh timestamp each time). */
  path: () => string;
  headers: Record<string, string>;
  /** /api/v3/order answers the order; /api/v3/order/test answers `{}`. */
  placesOrder: boolean;
}

/** RFC 3986 percent-encoding, as Keygate and Binance's examples use it. */
function encodeParams(params: ReadonlyArray<[string, string]>): string {
  const encode = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return params.map(([name, value]) => `${encode(name)}=${encode(value)}`).join('&');
}

/** What a Binance client does before each signed call: timestamp, recvWindow, HMAC-SHA256 hex over the query. */
function signedQuery(params: ReadonlyArray<[string, string]>, secretKey: string): string {
  const payload = encodeParams([...params, ['timestamp', String(Date.now())], ['recvWindow', String(RECV_WINDOW_MS)]]);
  return `${payload}&signature=${createHmac('sha256', secretKey).update(payload).digest('hex')}`;
}

async function call(agent: Agent, variant: Variant): Promise<void> {
  const { statusCode, body } = await agent.request({ origin: variant.origin, path: variant.path(), method: 'POST', headers: variant.headers });
  const text = await body.text();
  if (statusCode !== 200) throw new Error(`${variant.name}: HTTP ${statusCode}: ${text.slice(0, 300)}`);
  const answer = JSON.parse(text) as { orderId?: unknown };
  if (variant.placesOrder ? typeof answer.orderId !== 'number' : text !== '{}') throw new Error(`${variant.name}: unexpected answer ${text.slice(0, 300)}`);
}

async function sequential(agent: Agent, variant: Variant, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await call(agent, variant);
    samples.push(performance.now() - start);
  }
  return samples;
}

/** The file system type (ext4, tmpfs, …) holding `path`, from /proc/mounts; null where there is none. */
async function filesystemOf(path: string): Promise<string | null> {
  try {
    const real = await realpath(path);
    let best: { mount: string; type: string } | null = null;
    for (const line of (await readFile('/proc/mounts', 'utf8')).split('\n')) {
      const [, mount, type] = line.split(' ');
      if (mount === undefined || type === undefined) continue;
      const inside = mount === '/' || real === mount || real.startsWith(`${mount}/`);
      if (inside && (best === null || mount.length >= best.mount.length)) best = { mount, type };
    }
    return best?.type ?? null;
  } catch {
    return null;
  }
}

/** Cents booked in the host's ledger file, all days together. */
async function ledgerCents(dataDir: string): Promise<number> {
  const file = JSON.parse(await readFile(join(dataDir, LEDGER_FILE), 'utf8')) as { days: Record<string, string> };
  return Object.values(file.days).reduce((sum, usd) => sum + Math.round(Number(usd) * 100), 0);
}

export async function benchBinanceOrder() {
  // The weight limit is raised so that ~5,000 requests in well under a minute never meet a 429;
  // Keygate learns it from exchangeInfo as it would from Binance.
  const mock = await startMockBinance({ keys: [{ apiKey: FAKE_API_KEY, kind: 'hmac', secret: FAKE_SECRET_KEY }], weightLimitPerMinute: 1_000_000 });
  let keygate: Awaited<ReturnType<typeof startProxyHost>> | null = null;
  const agent = new Agent({ connections: 1, pipelining: 1, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 60_000 });
  try {
    keygate = await startProxyHost({
      policy:
        `[proxy]\nport = 0\n\n[services.binance]\nenvironment = "custom"\nbase_url = "${mock.url}"\n` +
        'max_order_value_usd = 1000000\ndaily_volume_usd = 100000000\n',
      credentials: [{ service: 'binance', kind: 'binance_hmac', secret: JSON.stringify({ api_key: FAKE_API_KEY, secret_key: FAKE_SECRET_KEY }) }],
      agents: [{ name: 'bench', scopes: ['binance:trade'] }],
    });
    const unsigned = encodeParams(ORDER_PARAMS);
    const directHeaders = { 'x-mbx-apikey': FAKE_API_KEY };
    const keygateHeaders = { authorization: `Bearer ${keygate.agentKeys.bench}` };
    const variants: Variant[] = [
      { name: 'direct', origin: mock.url, path: () => `/api/v3/order?${signedQuery(ORDER_PARAMS, FAKE_SECRET_KEY)}`, headers: directHeaders, placesOrder: true },
      { name: 'directOrderTest', origin: mock.url, path: () => `/api/v3/order/test?${signedQuery(ORDER_PARAMS, FAKE_SECRET_KEY)}`, headers: directHeaders, placesOrder: false },
      { name: 'viaKeygate', origin: keygate.baseUrl, path: () => `/binance/api/v3/order?${unsigned}`, headers: keygateHeaders, placesOrder: true },
      { name: 'viaKeygateOrderTest', origin: keygate.baseUrl, path: () => `/binance/api/v3/order/test?${unsigned}`, headers: keygateHeaders, placesOrder: false },
    ];

    const hostPid = keygate.host.child.pid ?? -1;
    const samples: Record<VariantName, number[]> = { direct: [], directOrderTest: [], viaKeygate: [], viaKeygateOrderTest: [] };
    const hostCpu: Record<VariantName, number | null> = { direct: 0, directOrderTest: 0, viaKeygate: 0, viaKeygateOrderTest: 0 };

    // Warm-up opens both connections, syncs Keygate's clock, caches the symbol and opens the ledger.
    for (const variant of variants) await sequential(agent, variant, WARMUP);
    for (let block = 0; block < BLOCKS; block++) {
      // Rotate which variant goes first, so none always follows the same neighbour.
      const order = variants.map((_, i) => variants[(i + block) % variants.length]!);
      for (const variant of order) {
        const before = processCpuMs(hostPid);
        samples[variant.name].push(...(await sequential(agent, variant, BLOCK)));
        const after = processCpuMs(hostPid);
        const sum = hostCpu[variant.name];
        hostCpu[variant.name] = sum === null || before === null || after === null ? null : sum + after - before;
      }
    }

    // Every order was placed exactly once, and only /api/v3/order through Keygate booked volume.
    const perVariant = WARMUP + BLOCK * BLOCKS;
    if (mock.orders.length !== 2 * perVariant) throw new Error(`the mock placed ${mock.orders.length} orders, expected ${2 * perVariant}`);
    const bookedCents = await ledgerCents(keygate.dataDir);
    if (bookedCents !== perVariant * ORDER_VALUE_CENTS) throw new Error(`the ledger holds ${bookedCents} cents, expected ${perVariant * ORDER_VALUE_CENTS}`);
    const ledgerFilesystem = await filesystemOf(keygate.dataDir);

    const direct = summarizeLatency(samples.direct);
    const directOrderTest = summarizeLatency(samples.directOrderTest);
    const viaKeygate = summarizeLatency(samples.viaKeygate);
    const viaKeygateOrderTest = summarizeLatency(samples.viaKeygateOrderTest);
    const addedP50Ms = round(viaKeygate.p50Ms - direct.p50Ms);
    const addedP99Ms = round(viaKeygate.p99Ms - direct.p99Ms);
    const addedP50MsWithoutLedger = round(viaKeygateOrderTest.p50Ms - directOrderTest.p50Ms);
    const addedP99MsWithoutLedger = round(viaKeygateOrderTest.p99Ms - directOrderTest.p99Ms);
    const hostCpuPerRequest = (name: VariantName) => {
      const ms = hostCpu[name];
      return ms === null ? null : round(ms / samples[name].length, 4);
    };

    return {
      name: 'binance-order',
      order: `POST /api/v3/order LIMIT BUY BTCUSDT ${QUANTITY} × ${PRICE} ($${ORDER_VALUE_CENTS / 100}), HMAC-SHA256 key`,
      requestsEach: BLOCK * BLOCKS,
      warmupEach: WARMUP,
      blocks: `${BLOCKS} rounds of ${BLOCK} per variant, order rotated each round; 1 request in flight, 1 keep-alive connection per origin`,
      /** Signed here with node:crypto (timestamp, recvWindow, HMAC over the percent-encoded query). */
      direct,
      /** Unsigned through keygate-host, which reserves the order's value in the ledger (fsync) first. */
      viaKeygate,
      /** `/api/v3/order/test`: the same checks and signing, no ledger write. */
      viaKeygateOrderTest,
      /** `/api/v3/order/test` sent direct, the baseline for the variant without the ledger. */
      directOrderTest,
      addedP50Ms,
      addedP99Ms,
      addedP50MsWithoutLedger,
      addedP99MsWithoutLedger,
      /** What the ledger's durable write adds per order: the two added costs' difference. */
      ledgerP50Ms: round(addedP50Ms - addedP50MsWithoutLedger),
      ledgerP99Ms: round(addedP99Ms - addedP99MsWithoutLedger),
      ledgerFilesystem,
      /** keygate-host's CPU (user + system, /proc) per request in the Keygate blocks; null without /proc. */
      hostCpuMsPerRequest: { viaKeygate: hostCpuPerRequest('viaKeygate'), viaKeygateOrderTest: hostCpuPerRequest('viaKeygateOrderTest') },
    };
  } finally {
    await agent.destroy();
    await keygate?.stop();
    await mock.close();
  }
}
