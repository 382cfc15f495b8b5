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
 * Two more arms, each its own process, are measured the same way and say what bounds the figures:
 * - a TCP relay that copies bytes and parses nothing: the price of the extra hop itself, so the
 *   ceiling of any proxy on this machine;
 * - a do-nothing node:http + undici pass-through: the floor any Node HTTP proxy stands on, so
 *   Keygate's own cost is the distance to it.
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
const RELAY_SERVER = fileURLToPath(new URL('./tcp-relay-server.ts', import.meta.url));
const PASSTHROUGH_SERVER = fileURLToPath(new URL('./passthrough-proxy-server.ts', import.meta.url));
/** Obviously fake: the mock upstream never checks it. */
const FAKE_UPSTREAM_KEY = 'sk-keygate-bench-FAKE-0000000000000000';

type Label = 'direct' | 'relay' | 'passthrough' | 'proxy';

interface Target {
  label: Label;
  origin: string;
  path: string;
  headers: Record<string, string>;
  /** The process between the load generator and the upstream; null when calling the upstream directly. */
  middlePid: number | null;
}

interface CpuSnapshot {
  bench: number;
  middle: number | null;
  upstream: number | null;
}

const NO_CPU: CpuSnapshot = { bench: 0, middle: 0, upstream: 0 };

/** `total + (after − before)` per process; null once any reading was unavailable. */
function addCpu(total: CpuSnapshot, before: CpuSnapshot, after: CpuSnapshot): CpuSnapshot {
  const add = (sum: number | null, a: number | null, b: number | null) => (sum === null || a === null || b === null ? null : sum + b - a);
  return { bench: total.bench + after.bench - before.bench, middle: add(total.middle, before.middle, after.middle), upstream: add(total.upstream, before.upstream, after.upstream) };
}

function cpuPerRequest(cpu: CpuSnapshot, requests: number) {
  const per = (ms: number | null) => (ms === null ? null : round(ms / requests, 4));
  return { loadGenerator: per(cpu.bench), middle: per(cpu.middle), upstream: per(cpu.upstream) };
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

/** Stops every started process, last started first, even when one of them fails to stop. */
async function stopAll(stops: readonly (() => Promise<void>)[]): Promise<void> {
  for (const stop of [...stops].reverse()) await stop().catch(() => undefined);
}

export async function benchProxyOverhead() {
  const stops: (() => Promise<void>)[] = [];
  const pools: Pool[] = [];
  try {
    const upstream = await startServerProcess(MOCK_SERVER);
    stops.push(upstream.stop);
    const relayServer = await startServerProcess(RELAY_SERVER, [upstream.origin]);
    stops.push(relayServer.stop);
    const passthroughServer = await startServerProcess(PASSTHROUGH_SERVER, [upstream.origin]);
    stops.push(passthroughServer.stop);
    const keygate = await startProxyHost({
      policy: `[proxy]\nport = 0\n\n[services.openai]\nbase_url = "${upstream.origin}"\n`,
      credentials: [{ service: 'openai', secret: FAKE_UPSTREAM_KEY }],
      agents: [{ name: 'bench', scopes: ['openai'] }],
    });
    stops.push(keygate.stop);
    return await measure({
      upstreamPid: upstream.child.pid ?? -1,
      targets: {
        direct: { label: 'direct', origin: upstream.origin, path: '/v1/models', headers: { authorization: `Bearer ${FAKE_UPSTREAM_KEY}` }, middlePid: null },
        relay: { label: 'relay', origin: relayServer.origin, path: '/v1/models', headers: { authorization: `Bearer ${FAKE_UPSTREAM_KEY}` }, middlePid: relayServer.child.pid ?? -1 },
        passthrough: { label: 'passthrough', origin: passthroughServer.origin, path: '/openai/v1/models', headers: {}, middlePid: passthroughServer.child.pid ?? -1 },
        proxy: { label: 'proxy', origin: keygate.baseUrl, path: '/openai/v1/models', headers: { authorization: `Bearer ${keygate.agentKeys.bench}` }, middlePid: keygate.host.child.pid ?? -1 },
      },
      pools,
    });
  } finally {
    await Promise.all(pools.map((p) => p.destroy()));
    await stopAll(stops);
  }
}

interface Arms {
  upstreamPid: number;
  targets: Record<Label, Target>;
  /** Every pool opened here, for the caller to destroy. */
  pools: Pool[];
}

async function measure({ upstreamPid, targets, pools }: Arms) {
  const { direct, relay, passthrough, proxy } = targets;
  const arms = [direct, relay, passthrough, proxy];
  const snapshot = (target: Target): CpuSnapshot => ({
    bench: ownCpuMs(),
    middle: target.middlePid === null ? 0 : processCpuMs(target.middlePid),
    upstream: processCpuMs(upstreamPid),
  });
  const poolsOf = (connections: number) => {
    const opened = {} as Record<Label, Pool>;
    for (const target of arms) {
      opened[target.label] = new Pool(target.origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
      pools.push(opened[target.label]);
    }
    return opened;
  };

  // The body every way must be the upstream's, byte for byte (nothing for the scrubber to replace).
  const probe = new Pool(direct.origin, { connections: 1 });
  pools.push(probe);
  const expectedBytes = (await (await probe.request({ path: direct.path, method: 'GET' })).body.arrayBuffer()).byteLength;

  // Latency at 1 connection: warm every arm, then alternate blocks (order flipped every round).
  const single = poolsOf(1);
  for (const target of arms) await sequential(single[target.label], target, LATENCY_WARMUP, expectedBytes);
  const latencySamples: Record<Label, number[]> = { direct: [], relay: [], passthrough: [], proxy: [] };
  let latencyProxyCpu = NO_CPU;
  for (let block = 0; block < LATENCY_BLOCKS; block++) {
    for (const target of block % 2 === 0 ? arms : [...arms].reverse()) {
      const before = snapshot(target);
      latencySamples[target.label].push(...(await sequential(single[target.label], target, LATENCY_BLOCK, expectedBytes)));
      if (target.label === 'proxy') latencyProxyCpu = addCpu(latencyProxyCpu, before, snapshot(target));
    }
  }
  const latency = {
    direct: summarizeLatency(latencySamples.direct),
    relay: summarizeLatency(latencySamples.relay),
    passthrough: summarizeLatency(latencySamples.passthrough),
    proxy: summarizeLatency(latencySamples.proxy),
  };
  const addedP50 = (target: Label) => round(latency[target].p50Ms - latency.direct.p50Ms);

  // Throughput at 100 connections: every arm in turn, each after an uncounted warm-up, six rounds.
  const wide = poolsOf(CONNECTIONS);
  const newSide = () => ({ requests: 0, seconds: 0, phasesRps: [] as number[], cpu: NO_CPU });
  const sides: Record<Label, ReturnType<typeof newSide>> = { direct: newSide(), relay: newSide(), passthrough: newSide(), proxy: newSide() };
  for (let pass = 0; pass < THROUGHPUT_ROUNDS; pass++) {
    for (const target of arms) {
      const connections = wide[target.label];
      await saturate(connections, target, CONNECTIONS, THROUGHPUT_WARMUP_MS, expectedBytes);
      const before = snapshot(target);
      const run = await saturate(connections, target, CONNECTIONS, THROUGHPUT_PHASE_MS, expectedBytes);
      const side = sides[target.label];
      side.cpu = addCpu(side.cpu, before, snapshot(target));
      side.requests += run.requests;
      side.seconds += run.seconds;
      side.phasesRps.push(round(run.requests / run.seconds, 0));
    }
  }
  const rps = (target: Label) => sides[target].requests / sides[target].seconds;
  const ratioToDirect = (target: Label) => round(rps(target) / rps('direct'), 3);
  const medianRoundRatio = (target: Label) => percentile(roundRatios(sides[target].phasesRps, sides.direct.phasesRps), 50);
  const cpu = (target: Label) => cpuPerRequest(sides[target].cpu, sides[target].requests);
  const proxyCpu = cpu('proxy');
  const cores = cpus().length;
  const totalProxyCpu = proxyCpu.middle === null || proxyCpu.upstream === null ? null : proxyCpu.middle + proxyCpu.upstream + (proxyCpu.loadGenerator ?? 0);

  const addedP50Ms = addedP50('proxy');
  const ratio = ratioToDirect('proxy');
  return {
    name: 'proxy-overhead',
    latency1: {
      requestsEach: LATENCY_BLOCK * LATENCY_BLOCKS,
      warmupEach: LATENCY_WARMUP,
      blocks: `${LATENCY_BLOCKS} alternating blocks of ${LATENCY_BLOCK} per arm`,
      direct: latency.direct,
      proxy: latency.proxy,
      addedP50Ms,
      addedP99Ms: round(latency.proxy.p99Ms - latency.direct.p99Ms),
      /** What the extra hop alone costs (a byte relay), what any Node HTTP proxy costs, and Keygate's own share. */
      relay: latency.relay,
      relayAddedP50Ms: addedP50('relay'),
      passthrough: latency.passthrough,
      passthroughAddedP50Ms: addedP50('passthrough'),
      keygateOverPassthroughP50Ms: round(latency.proxy.p50Ms - latency.passthrough.p50Ms),
      /** Proxied blocks only; at 1 connection the processes take turns, so these add up to the latency floor. */
      proxyCpuMsPerRequest: cpuPerRequest(latencyProxyCpu, latencySamples.proxy.length),
    },
    throughput100: {
      connections: CONNECTIONS,
      phaseSeconds: THROUGHPUT_PHASE_MS / 1000,
      phases: `${THROUGHPUT_ROUNDS} × (${arms.map((arm) => arm.label).join(', ')}), ${THROUGHPUT_WARMUP_MS} ms uncounted warm-up before each`,
      directRps: round(rps('direct'), 0),
      proxyRps: round(rps('proxy'), 0),
      ratio,
      /** Each round's proxied over direct requests/s, and their median: drift between rounds cancels. */
      roundRatios: roundRatios(sides.proxy.phasesRps, sides.direct.phasesRps),
      medianRoundRatio: medianRoundRatio('proxy'),
      /** The ceiling for any proxy here: a TCP relay that copies bytes and parses nothing. */
      relayRps: round(rps('relay'), 0),
      relayRatio: ratioToDirect('relay'),
      relayMedianRoundRatio: medianRoundRatio('relay'),
      /** The floor any Node HTTP proxy stands on: node:http in, undici out, nothing else. */
      passthroughRps: round(rps('passthrough'), 0),
      passthroughRatio: ratioToDirect('passthrough'),
      passthroughMedianRoundRatio: medianRoundRatio('passthrough'),
      keygateOverPassthroughRatio: round(rps('proxy') / rps('passthrough'), 3),
      phasesRps: Object.fromEntries(arms.map((arm) => [arm.label, sides[arm.label].phasesRps])),
      responseBytes: expectedBytes,
      /** CPU-ms per request of each process (user + system, /proc); `middle` is the relay, pass-through or Keygate host. */
      cpuMsPerRequest: Object.fromEntries(arms.map((arm) => [arm.label, cpu(arm.label)])),
      bounds: {
        cores,
        /** The host is one event loop: it cannot serve more than one core's worth. */
        hostSingleCoreRps: proxyCpu.middle ? round(1000 / proxyCpu.middle, 0) : null,
        /** All three processes share the cores: requests/s if every core were busy with nothing else. */
        allCoresRps: totalProxyCpu ? round((cores * 1000) / totalProxyCpu, 0) : null,
        hostCoreShare: proxyCpu.middle ? round((proxyCpu.middle * rps('proxy')) / 1000, 2) : null,
      },
    },
    goals: GOALS,
    meetsGoals: { addedP50Ms: addedP50Ms <= GOALS.addedP50Ms, throughputRatio: ratio >= GOALS.throughputRatio },
  };
}
