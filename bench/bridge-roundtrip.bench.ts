/**
 * Browser agents' round trip, end to end: headless Chromium with the real built extension and host,
 * a page on a granted loopback origin (served by a local HTTP server) calling `window.keygate.fetch`
 * → content script → background → native port → the host's pipeline → the mock upstream (its own
 * process, which refuses any request without the real key) and back.
 *
 * Baselines in the same run, against the same host and upstream:
 * - node-http: the same request over HTTP to the proxy from Node (undici, one kept-alive connection,
 *   a `pk_` key) — the first front door;
 * - page-http: the page's own `fetch` to the HTTP proxy with that `pk_` key, possible because the
 *   policy allow-lists the page's origin (`[proxy] allowed_origins`; CORS preflights are cached
 *   for 600 s) — the same browser, without the extension in between.
 * Small requests are `GET /openai/v1/models` (≈ 230 bytes back), timed in alternating blocks so
 * drift on the shared cores hits every arm alike; `/_keygate/status` (no upstream) is timed too, to
 * tell the transport's cost from the upstream hop. The streamed answers are two 5 MiB file downloads,
 * read chunk by chunk and checked by SHA-256 after the clock stops: model output as text (a Batch
 * API result file, JSONL, which the bridge deflates on the native port) and bytes that no
 * compression shrinks (as an image or an archive), each goal reported for both. The same 5 MiB of
 * JSONL also goes up (`POST /openai/v1/files`, as a Batch API input file or a long document would),
 * which the mock answers only when every byte arrived; reported, with no goal of its own.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Page } from 'puppeteer-core';
import { Pool } from 'undici';
import { launchKeygateBrowser } from '../scripts/keygate-browser';
import { startAgentWebApp } from '../tests/e2e/browser-agent-fixtures';
import { addApiKey, applyPolicy, createAgentKey, createVault, grantAccess, proxyPort } from '../tests/e2e/popup-driver';
import { DOWNLOAD_BLOCK, DOWNLOAD_BYTES, DOWNLOAD_PATH, MODELS_ANSWER, TEXT_DOWNLOAD, TEXT_DOWNLOAD_PATH, UPLOAD_ANSWER, UPLOAD_PATH, UPSTREAM_KEY } from './proxy-workload';
import { MOCK_UPSTREAM_SERVER, startServerProcess } from './server-process';
import { percentile, round, summarizeLatency } from './stats';

const SMALL = { warmup: 50, block: 50, rounds: 6 };
const STREAM_RUNS = 5;
/** Issue #11's goals for the bridged arm. */
const GOALS = { smallP50Ms: 1.5, streamMBps: 25 };

const MODELS_PATH = '/openai/v1/models';
const STATUS_PATH = '/_keygate/status';
/** Two 5 MiB answers: model output as text (JSONL, which the bridge deflates), and bytes nothing can shrink. */
const DOWNLOADS = {
  text: { path: `/openai${TEXT_DOWNLOAD_PATH}`, sha256: createHash('sha256').update(TEXT_DOWNLOAD).digest('hex') },
  binary: { path: `/openai${DOWNLOAD_PATH}`, sha256: binarySha256() },
} as const;
type DownloadKind = keyof typeof DOWNLOADS;

type ArmName = 'bridged' | 'page-http' | 'node-http';
const ARMS: ArmName[] = ['bridged', 'page-http', 'node-http'];

interface Target {
  path: string;
  /** The answer a call must get, checked on every call (the status answer differs per caller: only its status is checked). */
  body: string | null;
}

/** One download's figures, from whichever side read it. */
interface Download {
  ms: number;
  bytes: number;
  sha256: string;
}

function binarySha256(): string {
  const hash = createHash('sha256');
  for (let sent = 0; sent < DOWNLOAD_BYTES; sent += DOWNLOAD_BLOCK.length) hash.update(DOWNLOAD_BLOCK.subarray(0, Math.min(DOWNLOAD_BLOCK.length, DOWNLOAD_BYTES - sent)));
  return hash.digest('hex');
}

declare const window: { keygate: { fetch: typeof fetch }; keygateReady: Promise<boolean>; keygateBenchUpload?: Uint8Array<ArrayBuffer> };

/** Runs in the page: `count` sequential calls of one arm, each read to its end; the samples in ms. */
function timeInPage(page: Page, arm: ArmName, proxyOrigin: string, agentKey: string, target: Target, count: number): Promise<number[]> {
  return page.evaluate(
    async (armName, origin, key, path, body, n) => {
      const call = armName === 'bridged' ? () => window.keygate.fetch(path) : () => fetch(origin + path, { headers: { authorization: `Bearer ${key}` } });
      const samples: number[] = [];
      for (let i = 0; i < n; i++) {
        const start = performance.now();
        const response = await call();
        const text = await response.text();
        samples.push(performance.now() - start);
        if (response.status !== 200 || (body !== null && text !== body)) throw new Error(`${armName} ${path}: HTTP ${response.status} ${text.slice(0, 200)}`);
      }
      return samples;
    },
    arm,
    proxyOrigin,
    agentKey,
    target.path,
    target.body,
    count,
  );
}

async function timeFromNode(pool: Pool, agentKey: string, target: Target, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const response = await pool.request({ method: 'GET', path: target.path, headers: { authorization: `Bearer ${agentKey}` } });
    const text = await response.body.text();
    samples.push(performance.now() - start);
    if (response.statusCode !== 200 || (target.body !== null && text !== target.body)) throw new Error(`node-http ${target.path}: HTTP ${response.statusCode} ${text.slice(0, 200)}`);
  }
  return samples;
}

function downloadInPage(page: Page, arm: ArmName, proxyOrigin: string, agentKey: string, path: string): Promise<Download> {
  return page.evaluate(
    async (armName, origin, key, path) => {
      const start = performance.now();
      const response = armName === 'bridged' ? await window.keygate.fetch(path) : await fetch(origin + path, { headers: { authorization: `Bearer ${key}` } });
      if (response.status !== 200 || response.body === null) throw new Error(`${armName} download: HTTP ${response.status}`);
      const reader = response.body.getReader();
      const parts: Uint8Array[] = [];
      let bytes = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        bytes += value.length;
      }
      const ms = performance.now() - start;
      const whole = new Uint8Array(bytes);
      let at = 0;
      for (const part of parts) {
        whole.set(part, at);
        at += part.length;
      }
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', whole));
      return { ms, bytes, sha256: Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('') };
    },
    arm,
    proxyOrigin,
    agentKey,
    path,
  );
}

/**
 * Runs in the page: one upload of the text download's bytes (fetched once through Keygate and kept,
 * so every arm sends the same array; a call that consumed it would fail the next one); its ms.
 */
function uploadInPage(page: Page, arm: ArmName, proxyOrigin: string, agentKey: string): Promise<number> {
  return page.evaluate(
    async (armName, origin, key, path, sourcePath, answer) => {
      window.keygateBenchUpload ??= new Uint8Array(await (await window.keygate.fetch(sourcePath)).arrayBuffer());
      const headers: Record<string, string> = { 'content-type': 'application/jsonl' };
      if (armName !== 'bridged') headers.authorization = `Bearer ${key}`;
      const init = { method: 'POST', headers, body: window.keygateBenchUpload };
      const start = performance.now();
      const response = armName === 'bridged' ? await window.keygate.fetch(path, init) : await fetch(origin + path, init);
      const text = await response.text();
      const ms = performance.now() - start;
      if (response.status !== 200 || text !== answer) throw new Error(`${armName} upload: HTTP ${response.status} ${text.slice(0, 200)}`);
      return ms;
    },
    arm,
    proxyOrigin,
    agentKey,
    `/openai${UPLOAD_PATH}`,
    DOWNLOADS.text.path,
    UPLOAD_ANSWER,
  );
}

async function uploadFromNode(pool: Pool, agentKey: string): Promise<number> {
  const start = performance.now();
  const response = await pool.request({ method: 'POST', path: `/openai${UPLOAD_PATH}`, headers: { authorization: `Bearer ${agentKey}`, 'content-type': 'application/jsonl' }, body: TEXT_DOWNLOAD });
  const text = await response.body.text();
  const ms = performance.now() - start;
  if (response.statusCode !== 200 || text !== UPLOAD_ANSWER) throw new Error(`node-http upload: HTTP ${response.statusCode} ${text.slice(0, 200)}`);
  return ms;
}

async function downloadFromNode(pool: Pool, agentKey: string, path: string): Promise<Download> {
  const start = performance.now();
  const response = await pool.request({ method: 'GET', path, headers: { authorization: `Bearer ${agentKey}` } });
  if (response.statusCode !== 200) throw new Error(`node-http download: HTTP ${response.statusCode}`);
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { ms: performance.now() - start, bytes, sha256: hash.digest('hex') };
}

const median = (values: readonly number[]) => percentile(values, 50);

export async function benchBridgeRoundTrip() {
  const upstream = await startServerProcess(fileURLToPath(MOCK_UPSTREAM_SERVER));
  const webApp = await startAgentWebApp();
  const keygate = await launchKeygateBrowser();
  let pool: Pool | undefined;
  try {
    const pageOrigin = webApp.origin('127.0.0.1');
    const popup = await keygate.openExtensionPage('popup.html');
    await createVault(popup);
    await addApiKey(popup, 'openai', 'bench', UPSTREAM_KEY);
    const options = await keygate.openExtensionPage('options.html');
    await applyPolicy(options, `[proxy]\nport = 0\nallowed_origins = ["${pageOrigin}"]\n[services.openai]\nbase_url = "${upstream.origin}"\n`);
    const proxyOrigin = `http://127.0.0.1:${await proxyPort(options)}`;
    const { key: agentKey } = await createAgentKey(options, 'bench', ['openai']);
    await grantAccess(options, 'site', pageOrigin, ['openai']);
    await popup.close();

    const page = await keygate.browser.newPage();
    await page.goto(`${pageOrigin}/`);
    await page.evaluate(() => window.keygateReady);
    await page.bringToFront();
    pool = new Pool(proxyOrigin, { connections: 1, keepAliveTimeout: 60_000 });
    const nodePool = pool;

    const timeArm = (arm: ArmName, target: Target, count: number) =>
      arm === 'node-http' ? timeFromNode(nodePool, agentKey, target, count) : timeInPage(page, arm, proxyOrigin, agentKey, target, count);

    const small = async (target: Target) => {
      const samples: Record<ArmName, number[]> = { bridged: [], 'page-http': [], 'node-http': [] };
      for (const arm of ARMS) await timeArm(arm, target, SMALL.warmup);
      for (let round = 0; round < SMALL.rounds; round++) {
        const order = round % 2 === 0 ? ARMS : [...ARMS].reverse();
        for (const arm of order) samples[arm].push(...(await timeArm(arm, target, SMALL.block)));
      }
      return Object.fromEntries(ARMS.map((arm) => [arm, summarizeLatency(samples[arm])])) as Record<ArmName, ReturnType<typeof summarizeLatency>>;
    };
    const models = await small({ path: MODELS_PATH, body: MODELS_ANSWER });
    const status = await small({ path: STATUS_PATH, body: null });

    /** 5 MiB moved by each arm, a warm-up and then STREAM_RUNS in alternating order: each arm's MB/s (median run). */
    const transfers = async (request: string, move: (arm: ArmName) => Promise<number>) => {
      const runsMs: Record<ArmName, number[]> = { bridged: [], 'page-http': [], 'node-http': [] };
      for (const arm of ARMS) await move(arm);
      for (let run = 0; run < STREAM_RUNS; run++) {
        for (const arm of run % 2 === 0 ? ARMS : [...ARMS].reverse()) runsMs[arm].push(await move(arm));
      }
      const mbps = (arm: ArmName) => round(DOWNLOAD_BYTES / 1e6 / (median(runsMs[arm]) / 1000), 1);
      const arms = Object.fromEntries(ARMS.map((arm) => [arm, { megabytesPerSecond: mbps(arm), runsMs: runsMs[arm].map((ms) => round(ms, 1)) }])) as Record<
        ArmName,
        { megabytesPerSecond: number; runsMs: number[] }
      >;
      return {
        request,
        bytes: DOWNLOAD_BYTES,
        runs: STREAM_RUNS,
        arms,
        bridgedOverNodeHttp: round(arms.bridged.megabytesPerSecond / arms['node-http'].megabytesPerSecond, 2),
        bridgedOverPageHttp: round(arms.bridged.megabytesPerSecond / arms['page-http'].megabytesPerSecond, 2),
      };
    };
    const download = (arm: ArmName, path: string) => (arm === 'node-http' ? downloadFromNode(nodePool, agentKey, path) : downloadInPage(page, arm, proxyOrigin, agentKey, path));
    const streamed = (kind: DownloadKind) => {
      const { path, sha256 } = DOWNLOADS[kind];
      return transfers(`GET ${path}`, async (arm) => {
        const got = await download(arm, path);
        if (got.bytes !== DOWNLOAD_BYTES || got.sha256 !== sha256) throw new Error(`${arm} ${kind} download arrived wrong: ${got.bytes} bytes, sha256 ${got.sha256}`);
        return got.ms;
      });
    };
    const text = await streamed('text');
    const binary = await streamed('binary');
    const upload = await transfers(`POST /openai${UPLOAD_PATH}`, (arm) => (arm === 'node-http' ? uploadFromNode(nodePool, agentKey) : uploadInPage(page, arm, proxyOrigin, agentKey)));

    const smallP50 = models.bridged.p50Ms;
    const textMBps = text.arms.bridged.megabytesPerSecond;
    const binaryMBps = binary.arms.bridged.megabytesPerSecond;
    return {
      name: 'bridge-roundtrip',
      small: {
        request: `GET ${MODELS_PATH}`,
        arms: models,
        bridgedOverNodeHttpP50: round(smallP50 / models['node-http'].p50Ms, 2),
        bridgedOverPageHttpP50: round(smallP50 / models['page-http'].p50Ms, 2),
        addedOverNodeHttpP50Ms: round(smallP50 - models['node-http'].p50Ms),
      },
      statusNoUpstream: { request: `GET ${STATUS_PATH}`, arms: status },
      stream5MiB: { text, binary },
      upload5MiB: upload,
      goals: {
        smallP50Ms: { measured: smallP50, target: `≤ ${GOALS.smallP50Ms}`, met: smallP50 <= GOALS.smallP50Ms },
        streamMBpsText: { measured: textMBps, target: `≥ ${GOALS.streamMBps}`, met: textMBps >= GOALS.streamMBps },
        streamMBpsBinary: { measured: binaryMBps, target: `≥ ${GOALS.streamMBps}`, met: binaryMBps >= GOALS.streamMBps },
      },
    };
  } finally {
    await pool?.close();
    await keygate.close();
    await webApp.close();
    await upstream.stop();
  }
}
