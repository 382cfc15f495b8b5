/**
 * What the proxy adds to an API call. A mock upstream (its own process) answers `GET /v1/models` with
 * ~200 bytes of JSON; the load generator (this process, undici) calls it directly and through the
 * real built keygate-host (`/openai/v1/models` with a `pk_` key), in the same run:
 *
 * - latency at 1 connection: sequential requests, direct and proxied in alternating blocks so drift
 *   hits both; p50/p99 of each and what the proxy adds (goal: ≤ 0.35 ms at p50);
 * - throughput at 100 connections: 100 requests always in flight for a fixed time, alternating
 *   direct and proxied phases; proxied requests/s over direct (goal: ≥ 0.45×). This machine's speed
 *   drifts by tens of percent within a minute, so the rounds are short and many, and each round's
 *   own ratio is reported beside the totals.
 *
 * Three processes share the machine's cores, so CPU time per request of each (from /proc) is
 * recorded with the figures: it says whether the host, the load generator or the cores bound them.
 * A third arm, a do-nothing node:http + undici pass-through (its own process), is measured the same
 * way: it is the floor any Node proxy stands on here, so Keygate's own cost is the distance to it.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { startProxyHost } from '../tests/integration/proxy-host';
import { ownCpuMs, percentile, processCpuMs, round, summarizeLatency } from './stats';

const LATENCY_WARMUP = 200;
const LATENCY_BLOCK = 200;
/** Blocks per side: 10 × 200 = 2,000 measured requests each for direct and proxied. */
const LATENCY_BLOCKS = 10;
const CONNECTIONS = 100;
const THROUGHPUT_PHASE_MS = 2_000;
/** Not counted: lets each pool open its connections and the JIT settle before a phase is timed. */
const THROUGHPUT_WARMUP_MS = 300;
const THROUGHPUT_ROUNDS = 6;
const GOALS = { addedP50Ms: 0.35, throughputRatio: 0.45 };

const MOCK_SERVER = fileURLToPath(new URL('./mock-upstream-server.ts', import.meta.url));
const PASSTHROUGH_SERVER = fileURLToPath(new URL('./passthrough-proxy-server.ts', import.meta.url));
/** Obviously fake: the mock upstream never checks it. */
const FAKE_UPSTREAM_KEY = 'sk-keygate-bench-FAKE-0000000000000000';

interface Target {
  label: 'direct' | 'passthrough' | 'proxy';
  origin: string;
  path: string;
  headers: Record<string, string>;
}

interface CpuSnapshot {
  bench: number;
  host: number | null;
  upstream: number | null;
}

const NO_CPU: CpuSnapshot = { bench: 0, host: 0, upstream: 0 };

/** `total + (after − before)` per process; null once any reading was unavailable. */
function addCpu(total: CpuSnapshot, before: CpuSnapshot, after: CpuSnapshot): CpuSnapshot {
  const add = (sum: number | null, a: number | null, b: number | null) => (sum === null || a === null || b === null ? null : sum + b - a);
  return { bench: total.bench + after.bench - before.bench, host: add(total.host, before.host, after.host), upstream: add(total.upstream, before.upstream, after.upstream) };
}

function cpuPerRequest(cpu: CpuSnapshot, requests: number) {
  const per = (ms: number | null) => (ms === null ? null : round(ms / requests, 4));
  return { loadGenerator: per(cpu.bench), host: per(cpu.host), upstream: per(cpu.upstream) };
}

function roundRatios(measured: readonly number[], baseline: readonly number[]): number[] {
  return measured.map((rps, round) => Number((rps / (baseline[round] ?? Number.NaN)).toFixed(3)));
}

async function startServerProcess(script: string, args: string[] = []): Promise<{ child: ChildProcess; origin: string; stop: () => Promise<void> }> {
  // fork() reuses this process's execArgv, so under tsx the child loads TypeScript too.
  const child = fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${script} exited early (${code})`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    origin: `http://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

async function call(pool: Pool, target: Target, expectedBytes: number): Promise<void> {
  const { statusCode, body } = await pool.request({ path: target.path, method: 'GET', headers: target.headers });
  const bytes = (await body.arrayBuffer()).byteLength;
  if (statusCode !== 200 || bytes !== expectedBytes) throw new Error(`${target.label}: HTTP ${statusCode}, ${bytes} bytes`);
}

/** `count` requests one after another on one keep-alive connection; per-request ms. */
async function sequential(pool: Pool, target: Target, count: number, expectedBytes: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await call(pool, target, expectedBytes);
    samples.push(performance.now() - start);
  }
  return samples;
}

/** `concurrency` requests always in flight for `durationMs`; completed requests and the seconds taken. */
async function saturate(pool: Pool, target: Target, concurrency: number, durationMs: number, expectedBytes: number) {
  const start = performance.now();
  const deadline = start + durationMs;
  let requests = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      await call(pool, target, expectedBytes);
      requests += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { requests, seconds: (performance.now() - start) / 1000 };
}

export async function benchProxyOverhead() {
  const upstream = await startServerProcess(MOCK_SERVER);
  const passthroughServer = await startServerProcess(PASSTHROUGH_SERVER, [upstream.origin]);
  const keygate = await startProxyHost({
    policy: `[proxy]\nport = 0\n\n[services.openai]\nbase_url = "${upstream.origin}"\n`,
    credentials: [{ service: 'openai', secret: FAKE_UPSTREAM_KEY }],
    agents: [{ name: 'bench', scopes: ['openai'] }],
  }).catch(async (error: unknown) => {
    await passthroughServer.stop();
    await upstream.stop();
    throw error;
  });
  const hostPid = keygate.host.child.pid ?? -1;
  const upstreamPid = upstream.child.pid ?? -1;
  const snapshot = (): CpuSnapshot => ({ bench: ownCpuMs(), host: processCpuMs(hostPid), upstream: processCpuMs(upstreamPid) });

  const direct: Target = { label: 'direct', origin: upstream.origin, path: '/v1/models', headers: { authorization: `Bearer ${FAKE_UPSTREAM_KEY}` } };
  const proxy: Target = { label: 'proxy', origin: keygate.baseUrl, path: '/openai/v1/models', headers: { authorization: `Bearer ${keygate.agentKeys.bench}` } };
  const passthrough: Target = { label: 'passthrough', origin: passthroughServer.origin, path: '/openai/v1/models', headers: {} };
  const pools: Pool[] = [];
  const pool = (target: Target, connections: number) => {
    const created = new Pool(target.origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
    pools.push(created);
    return created;
  };

  try {
    // The body both ways must be the upstream's, byte for byte (nothing for the scrubber to replace).
    const probe = new Pool(upstream.origin, { connections: 1 });
    pools.push(probe);
    const expectedBytes = (await (await probe.request({ path: direct.path, method: 'GET' })).body.arrayBuffer()).byteLength;

    // Latency at 1 connection: warm both, then alternate blocks (order flipped every round).
    const single = { direct: pool(direct, 1), passthrough: pool(passthrough, 1), proxy: pool(proxy, 1) };
    for (const target of [direct, passthrough, proxy]) await sequential(single[target.label], target, LATENCY_WARMUP, expectedBytes);
    const latencySamples = { direct: [] as number[], passthrough: [] as number[], proxy: [] as number[] };
    let latencyProxyCpu = NO_CPU;
    for (let block = 0; block < LATENCY_BLOCKS; block++) {
      const order = block % 2 === 0 ? [direct, passthrough, proxy] : [proxy, passthrough, direct];
      for (const target of order) {
        const before = snapshot();
        latencySamples[target.label].push(...(await sequential(single[target.label], target, LATENCY_BLOCK, expectedBytes)));
        if (target.label === 'proxy') latencyProxyCpu = addCpu(latencyProxyCpu, before, snapshot());
      }
    }
    const directLatency = summarizeLatency(latencySamples.direct);
    const passthroughLatency = summarizeLatency(latencySamples.passthrough);
    const proxyLatency = summarizeLatency(latencySamples.proxy);

    // Throughput at 100 connections: direct, proxy, direct, proxy, each after an uncounted warm-up.
    const wide = { direct: pool(direct, CONNECTIONS), passthrough: pool(passthrough, CONNECTIONS), proxy: pool(proxy, CONNECTIONS) };
    const newSide = () => ({ requests: 0, seconds: 0, phasesRps: [] as number[], cpu: NO_CPU });
    const sides = { direct: newSide(), passthrough: newSide(), proxy: newSide() };
    for (let pass = 0; pass < THROUGHPUT_ROUNDS; pass++) {
      for (const target of [direct, passthrough, proxy]) {
        const connections = wide[target.label];
        await saturate(connections, target, CONNECTIONS, THROUGHPUT_WARMUP_MS, expectedBytes);
        const before = snapshot();
        const run = await saturate(connections, target, CONNECTIONS, THROUGHPUT_PHASE_MS, expectedBytes);
        const side = sides[target.label];
        side.cpu = addCpu(side.cpu, before, snapshot());
        side.requests += run.requests;
        side.seconds += run.seconds;
        side.phasesRps.push(round(run.requests / run.seconds, 0));
      }
    }
    const directRps = sides.direct.requests / sides.direct.seconds;
    const passthroughRps = sides.passthrough.requests / sides.passthrough.seconds;
    const proxyRps = sides.proxy.requests / sides.proxy.seconds;
    const directCpu = cpuPerRequest(sides.direct.cpu, sides.direct.requests);
    const proxyCpu = cpuPerRequest(sides.proxy.cpu, sides.proxy.requests);
    const cores = cpus().length;
    const totalProxyCpu = proxyCpu.host === null || proxyCpu.upstream === null || proxyCpu.loadGenerator === null ? null : proxyCpu.host + proxyCpu.upstream + proxyCpu.loadGenerator;

    const addedP50Ms = round(proxyLatency.p50Ms - directLatency.p50Ms);
    const ratio = round(proxyRps / directRps, 3);
    return {
      name: 'proxy-overhead',
      latency1: {
        requestsEach: LATENCY_BLOCK * LATENCY_BLOCKS,
        warmupEach: LATENCY_WARMUP,
        blocks: `${LATENCY_BLOCKS} alternating blocks of ${LATENCY_BLOCK} per side`,
        direct: directLatency,
        proxy: proxyLatency,
        addedP50Ms,
        addedP99Ms: round(proxyLatency.p99Ms - directLatency.p99Ms),
        passthrough: passthroughLatency,
        /** What being any Node proxy costs here, and what Keygate adds on top of that. */
        passthroughAddedP50Ms: round(passthroughLatency.p50Ms - directLatency.p50Ms),
        keygateOverPassthroughP50Ms: round(proxyLatency.p50Ms - passthroughLatency.p50Ms),
        /** Proxied blocks only; at 1 connection the processes take turns, so these add up to the latency floor. */
        proxyCpuMsPerRequest: cpuPerRequest(latencyProxyCpu, latencySamples.proxy.length),
      },
      throughput100: {
        connections: CONNECTIONS,
        phaseSeconds: THROUGHPUT_PHASE_MS / 1000,
        phases: `${THROUGHPUT_ROUNDS} × (direct, passthrough, proxy), ${THROUGHPUT_WARMUP_MS} ms uncounted warm-up before each`,
        directRps: round(directRps, 0),
        proxyRps: round(proxyRps, 0),
        ratio,
        passthroughRps: round(passthroughRps, 0),
        passthroughRatio: round(passthroughRps / directRps, 3),
        keygateOverPassthroughRatio: round(proxyRps / passthroughRps, 3),
        /** Each round's proxied over direct requests/s, and their median: drift between rounds cancels. */
        roundRatios: roundRatios(sides.proxy.phasesRps, sides.direct.phasesRps),
        medianRoundRatio: percentile(roundRatios(sides.proxy.phasesRps, sides.direct.phasesRps), 50),
        passthroughMedianRoundRatio: percentile(roundRatios(sides.passthrough.phasesRps, sides.direct.phasesRps), 50),
        directPhasesRps: sides.direct.phasesRps,
        passthroughPhasesRps: sides.passthrough.phasesRps,
        proxyPhasesRps: sides.proxy.phasesRps,
        responseBytes: expectedBytes,
        /** CPU-ms per request of each process (user + system, /proc): what bounds the figures. */
        cpuMsPerRequest: { direct: directCpu, proxy: proxyCpu },
        bounds: {
          cores,
          /** The host is one event loop: it cannot serve more than one core's worth. */
          hostSingleCoreRps: proxyCpu.host ? round(1000 / proxyCpu.host, 0) : null,
          /** All three processes share the cores: requests/s if every core were busy with nothing else. */
          allCoresRps: totalProxyCpu ? round((cores * 1000) / totalProxyCpu, 0) : null,
          hostCoreShare: proxyCpu.host ? round((proxyCpu.host * proxyRps) / 1000, 2) : null,
        },
      },
      goals: GOALS,
      meetsGoals: { addedP50Ms: addedP50Ms <= GOALS.addedP50Ms, throughputRatio: ratio >= GOALS.throughputRatio },
    };
  } finally {
    await Promise.all(pools.map((p) => p.destroy()));
    await keygate.stop();
    await passthroughServer.stop();
    await upstream.stop();
  }
}
