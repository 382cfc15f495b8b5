/**
 * What Keygate adds to an LLM API call, side by side with what other proxies add doing the same job,
 * all in one process tree and one run, against the same mock upstream (its own process, which
 * refuses any request without the real key or with another body; bench/proxy-workload.ts):
 *
 * - direct: the load generator (this process, undici) calls the mock itself;
 * - relay: a TCP byte relay, the price of the extra hop alone (the ceiling of any proxy here);
 * - passthrough: bare node:http + undici that checks a `pk_` key and sets the real one (the floor of
 *   any Node proxy doing Keygate's job); it and the relay run as plain JavaScript bundles, as the
 *   host does, so their CPU and memory are node's alone (not tsx's loader's);
 * - nginx and HAProxy (Debian packages), configured for the same job (bench/peer-servers.ts);
 * - portkey: the Portkey AI gateway from npm (the agent sends it the real key; it hides nothing);
 * - keygate: the real built keygate-host, unlocked as the browser does it.
 *
 * Requests: `POST /v1/chat/completions` with a small JSON body (the headline), `GET /v1/models`, the
 * same POST with a 64 KiB body, and a streamed completion of 1,000 server-sent events. Per arm:
 * added p50/p99 at 1 connection (alternating blocks, order flipped every round, so drift hits every
 * arm alike), requests/s at 100 connections over direct (rounds rotate the arms' order), CPU ms per
 * request of the middle process (its whole process tree, /proc), and the stream's time to last event.
 * Keygate's resident memory (and the pass-through's, as a baseline) is read after its first 1k
 * requests and again after 100k, and the idle
 * RSS of both host modes is measured; the goals of issue #13 are computed from these same figures.
 * An arm that cannot start or answers wrongly fails the run: no arm is ever skipped.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { startProxyHost } from '../tests/integration/proxy-host';
import { residentMiB } from '../tests/support/resident-memory';
import { type IdleResident, measureIdleResident } from './host-memory';
import { portkeyHeaders, startHaproxy, startNginx, startPortkey } from './peer-servers';
import { CHAT_ANSWER, LARGE_BODY, MODELS_ANSWER, PEER_AGENT_KEY, SMALL_BODY, SSE_DONE, SSE_EVENTS, STREAM_BODY, UPSTREAM_KEY } from './proxy-workload';
import { MOCK_UPSTREAM_SERVER, startBundledServerProcess, startServerProcess } from './server-process';
import { percentile, processTreeCpuMs, round, summarizeLatency } from './stats';

const CONNECTIONS = 100;
/** Below every arm's own idle timeout (60 s; Node servers ask for less with a Keep-Alive hint, which undici honours). */
const CLIENT_IDLE_MS = 30_000;
interface LatencyPlan {
  warmup: number;
  block: number;
  blocks: number;
}
/** Timed after the throughput phases, when every arm is warm. */
const LATENCY: Record<KindName, LatencyPlan> = { chat: { warmup: 200, block: 150, blocks: 10 }, models: { warmup: 100, block: 100, blocks: 4 }, large: { warmup: 100, block: 100, blocks: 4 } };
/**
 * The headline at one connection right after the 1k-request memory mark: a process's requests from
 * ~1.1k to ~2.6k, run partly before V8 has optimised their code (here p50 +0.1–0.2 ms and p99 +2 ms
 * over the same arm warm, the bare pass-through as much as Keygate).
 */
const START_LATENCY: Partial<Record<KindName, LatencyPlan>> = { chat: { warmup: 0, block: 150, blocks: 10 } };
/**
 * Short phases, many rounds: this machine's speed drifts by tens of percent within a minute (other
 * work shares the cores), so throughput is compared within each round and the rounds' median is kept.
 */
const THROUGHPUT = { chat: { rounds: 6, phaseMs: 1_000 }, models: { rounds: 3, phaseMs: 800 }, large: { rounds: 3, phaseMs: 800 } };
/** Not counted: lets each pool open its connections and the JIT settle before a phase is timed. */
const THROUGHPUT_WARMUP_MS = 300;
const SSE_WARMUP = 2;
/** A stream takes ~6 ms and its time hangs on how its events batch, so many rounds: 15 gave 0.92–1.16× in three runs of one tree. */
const SSE_ROUNDS = 41;
const MEMORY_FIRST_REQUESTS = 1_000;
const MEMORY_LATER_REQUESTS = 100_000;
/** Issue #13, item 2: every goal is a ratio or a bound measured in this same run. */
const GOALS = {
  chatRpsOverPassthrough: 0.9,
  chatRpsOverPortkey: 8,
  chatCpuOverPassthrough: 1.2,
  addedP50Ms: 0.3,
  addedP99Ms: 1.5,
  sseOverDirect: 1.05,
  largeRpsOverPassthrough: 0.9,
  rssGrowth: 1.1,
  browserHostIdleRssMiB: 60,
  serveIdleRssMiB: 60,
};

/**
 * Requests an arm is known to get wrong, with what it answers. Each is tried every run and must
 * still fail exactly so (a fixed one fails the run, so this list cannot go stale); its figures are
 * reported as that failure, never left out quietly.
 */
const PORTKEY_IMMUTABLE = 'HTTP 500: the gateway (1.15.2, Node 20) appends to a fetch response\'s immutable headers (TypeError: immutable in responseService.updateHeaders; Portkey-AI/gateway#1389, #1550)';
const KNOWN_FAILURES: Partial<Record<ArmName, Partial<Record<KindName | 'sse', string>>>> = {
  portkey: { models: PORTKEY_IMMUTABLE, sse: PORTKEY_IMMUTABLE },
};

type ArmName = 'direct' | 'relay' | 'passthrough' | 'nginx' | 'haproxy' | 'portkey' | 'keygate';
type KindName = 'chat' | 'models' | 'large';

interface Arm {
  name: ArmName;
  origin: string;
  /** Put before the upstream path: `/openai` for the proxies that route by service. */
  prefix: string;
  headers: Record<string, string>;
  /** The process between the load generator and the upstream; null when calling the upstream directly. */
  middlePid: number | null;
  /** Requests this arm answered so far (Keygate's count decides when 100k are reached). */
  served: number;
}

interface Kind {
  name: KindName;
  method: 'GET' | 'POST';
  path: string;
  body: string | null;
  answer: string;
}

const KINDS: Record<KindName, Kind> = {
  chat: { name: 'chat', method: 'POST', path: '/v1/chat/completions', body: SMALL_BODY, answer: CHAT_ANSWER },
  models: { name: 'models', method: 'GET', path: '/v1/models', body: null, answer: MODELS_ANSWER },
  large: { name: 'large', method: 'POST', path: '/v1/chat/completions', body: LARGE_BODY, answer: CHAT_ANSWER },
};

const MOCK_SERVER = fileURLToPath(MOCK_UPSTREAM_SERVER);
const RELAY_SERVER = fileURLToPath(new URL('./tcp-relay-server.ts', import.meta.url));
const PASSTHROUGH_SERVER = fileURLToPath(new URL('./passthrough-proxy-server.ts', import.meta.url));

function requestOptions(arm: Arm, kind: Pick<Kind, 'method' | 'path' | 'body'>, headers: Record<string, string> = arm.headers) {
  return {
    path: `${arm.prefix}${kind.path}`,
    method: kind.method,
    headers: kind.body === null ? headers : { ...headers, 'content-type': 'application/json' },
    body: kind.body,
  };
}

async function call(pool: Pool, arm: Arm, kind: Kind): Promise<void> {
  const { statusCode, body } = await pool.request(requestOptions(arm, kind));
  const text = await body.text();
  if (statusCode !== 200 || text !== kind.answer) throw new Error(`${arm.name} ${kind.name}: HTTP ${statusCode}, ${text.length} bytes: ${text.slice(0, 200)}`);
  arm.served += 1;
}

/** Each arm's latency at one connection for `kinds`, in blocks that alternate the arms' order. */
async function measureLatency(arms: Arm[], single: Record<ArmName, Pool>, kinds: Kind[], plans: Partial<Record<KindName, LatencyPlan>>) {
  const latency = {} as Record<KindName, Record<ArmName, number[]>>;
  for (const kind of kinds) {
    const plan = plans[kind.name]!;
    const able = arms.filter((a) => canDo(a, kind.name));
    const samples = Object.fromEntries(arms.map((a) => [a.name, [] as number[]])) as Record<ArmName, number[]>;
    for (const a of able) await sequential(single[a.name], a, kind, plan.warmup);
    for (let block = 0; block < plan.blocks; block++) {
      for (const a of block % 2 === 0 ? able : [...able].reverse()) samples[a.name].push(...(await sequential(single[a.name], a, kind, plan.block)));
    }
    latency[kind.name] = samples;
  }
  return latency;
}

/** `count` requests one after another on one keep-alive connection; per-request ms. */
async function sequential(pool: Pool, arm: Arm, kind: Kind, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await call(pool, arm, kind);
    samples.push(performance.now() - start);
  }
  return samples;
}

/** `concurrency` requests always in flight until `done` says stop; completed requests and the seconds taken. */
async function saturate(pool: Pool, arm: Arm, kind: Kind, concurrency: number, done: (requests: number, now: number) => boolean) {
  const start = performance.now();
  let requests = 0;
  const worker = async () => {
    while (!done(requests, performance.now() - start)) {
      await call(pool, arm, kind);
      requests += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { requests, seconds: (performance.now() - start) / 1000 };
}

const forMs = (ms: number) => (_: number, elapsed: number) => elapsed >= ms;
const forRequests = (count: number) => (requests: number) => requests >= count;

type SseKind = { name: 'sse'; method: 'POST'; path: string; body: string };
const SSE_KIND: SseKind = { name: 'sse', method: 'POST', path: '/v1/chat/completions', body: STREAM_BODY };

/** One streamed completion: ms until the last event (`[DONE]`) arrived, after checking all 1,000 came through. */
async function streamToLastEvent(pool: Pool, arm: Arm): Promise<number> {
  const start = performance.now();
  const { statusCode, body } = await pool.request(requestOptions(arm, SSE_KIND));
  let text = '';
  for await (const chunk of body) text += (chunk as Buffer).toString('utf8');
  const elapsed = performance.now() - start;
  const events = text.split('\n\n').filter((event) => event.startsWith('data: {'));
  if (statusCode !== 200 || events.length !== SSE_EVENTS || !text.endsWith(SSE_DONE)) throw new Error(`${arm.name} stream: HTTP ${statusCode}, ${events.length} events: ${text.slice(0, 200)}`);
  arm.served += 1;
  return elapsed;
}

/** An entry of KNOWN_FAILURES still fails with its status; said on stderr, so nobody reads its absence as a pass. */
async function expectKnownFailure(pool: Pool, arm: Arm, kind: Pick<Kind, 'name' | 'method' | 'path' | 'body'> | SseKind, known: string): Promise<void> {
  const status = Number(/^HTTP (\d+)/.exec(known)?.[1]);
  const { statusCode, body } = await pool.request(requestOptions(arm, kind));
  await body.dump();
  if (statusCode !== status) throw new Error(`${arm.name} ${kind.name}: known to fail (${known}) but answered HTTP ${statusCode}; remove it from KNOWN_FAILURES`);
  process.stderr.write(`bench: ${arm.name} cannot do ${kind.name} (${known}); its ${kind.name} figures are that failure\n`);
}

/** A proxy doing Keygate's job refuses a wrong agent key itself; the mock never sees the request. */
async function checkRefusesWrongAgentKey(pool: Pool, arm: Arm): Promise<void> {
  const { statusCode, body } = await pool.request(requestOptions(arm, KINDS.chat, { authorization: 'Bearer pk_test_FAKE_wrong_agent_key_0000000000000000000000' }));
  await body.dump();
  if (statusCode !== 401) throw new Error(`${arm.name} let a wrong agent key through (HTTP ${statusCode})`);
}

/** Stops every started process, last started first, even when one of them fails to stop. */
async function stopAll(stops: readonly (() => Promise<void>)[]): Promise<void> {
  for (const stop of [...stops].reverse()) await stop().catch(() => undefined);
}

export async function benchProxyOverhead() {
  const stops: (() => Promise<void>)[] = [];
  const pools: Pool[] = [];
  const peerDir = await mkdtemp(join(tmpdir(), 'keygate-bench-peers-'));
  stops.push(() => rm(peerDir, { recursive: true, force: true }));
  try {
    const upstream = await startServerProcess(MOCK_SERVER);
    stops.push(upstream.stop);
    const started = async <T extends { stop: () => Promise<void> }>(starting: Promise<T>): Promise<T> => {
      const server = await starting;
      stops.push(server.stop);
      return server;
    };
    const relay = await started(startBundledServerProcess(RELAY_SERVER, [upstream.origin], peerDir));
    const passthrough = await started(startBundledServerProcess(PASSTHROUGH_SERVER, [upstream.origin], peerDir));
    const nginx = await started(startNginx(upstream.origin, join(peerDir, 'nginx')));
    const haproxy = await started(startHaproxy(upstream.origin, join(peerDir, 'haproxy')));
    const portkey = await started(startPortkey());
    const keygate = await started(
      startProxyHost({
        policy: `[proxy]\nport = 0\n\n[services.openai]\nbase_url = "${upstream.origin}"\n`,
        credentials: [{ service: 'openai', secret: UPSTREAM_KEY }],
        agents: [{ name: 'bench', scopes: ['openai'] }],
      }),
    );
    const realKey = { authorization: `Bearer ${UPSTREAM_KEY}` };
    const peerKey = { authorization: `Bearer ${PEER_AGENT_KEY}` };
    const arm = (name: ArmName, origin: string, prefix: string, headers: Record<string, string>, middlePid: number | null): Arm => ({ name, origin, prefix, headers, middlePid, served: 0 });
    const arms: Arm[] = [
      arm('direct', upstream.origin, '', realKey, null),
      arm('relay', relay.origin, '', realKey, relay.child.pid ?? -1),
      arm('passthrough', passthrough.origin, '/openai', peerKey, passthrough.child.pid ?? -1),
      arm('nginx', nginx.origin, '/openai', peerKey, nginx.child.pid ?? -1),
      arm('haproxy', haproxy.origin, '/openai', peerKey, haproxy.child.pid ?? -1),
      arm('portkey', portkey.origin, '', portkeyHeaders(upstream.origin), portkey.child.pid ?? -1),
      arm('keygate', keygate.baseUrl, '/openai', { authorization: `Bearer ${keygate.agentKeys.bench}` }, keygate.host.child.pid ?? -1),
    ];
    return await measure(arms, pools, upstream.child);
  } finally {
    await Promise.all(pools.map((pool) => pool.destroy()));
    await stopAll(stops);
  }
}

/** The mock's count of requests it refused (wrong key or body): must stay 0 for the run to count. */
function mockRefusals(upstream: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      const counts = message as { type?: string; refused?: number };
      if (counts.type !== 'counts') return;
      upstream.off('message', onMessage);
      resolve(counts.refused ?? -1);
    };
    upstream.on('message', onMessage);
    upstream.send({ type: 'counts' });
  });
}

const canDo = (arm: Arm, kind: KindName | 'sse') => KNOWN_FAILURES[arm.name]?.[kind] === undefined;

async function measure(arms: Arm[], pools: Pool[], upstream: ChildProcess) {
  const byName = Object.fromEntries(arms.map((a) => [a.name, a])) as Record<ArmName, Arm>;
  const keygate = byName.keygate;
  // An arm's pools sit idle for over a minute while the others are measured. A client that keeps an
  // idle connection exactly as long as the server (nginx and HAProxy keep 60 s and send no Keep-Alive
  // hint) may send on it as the server closes it: a POST then fails with ECONNRESET and ends the run
  // (seen once in ~10 runs). So the client lets go first, and reconnects in a warm-up.
  const poolsOf = (connections: number) => {
    const opened = {} as Record<ArmName, Pool>;
    for (const a of arms) {
      opened[a.name] = new Pool(a.origin, { connections, pipelining: 1, keepAliveTimeout: CLIENT_IDLE_MS });
      pools.push(opened[a.name]);
    }
    return opened;
  };
  const single = poolsOf(1);
  const wide = poolsOf(CONNECTIONS);

  // Every arm does the job before anything is timed: each request kind and the stream answer right,
  // and each proxy that holds agent keys refuses a wrong one (Portkey has none; direct and relay are not proxies).
  for (const a of arms) {
    for (const kind of Object.values(KINDS)) {
      const known = KNOWN_FAILURES[a.name]?.[kind.name];
      if (known === undefined) await call(single[a.name], a, kind);
      else await expectKnownFailure(single[a.name], a, kind, known);
    }
    const knownSse = KNOWN_FAILURES[a.name]?.sse;
    if (knownSse === undefined) await streamToLastEvent(single[a.name], a);
    else await expectKnownFailure(single[a.name], a, SSE_KIND, knownSse);
    if (!['direct', 'relay', 'portkey'].includes(a.name)) await checkRefusesWrongAgentKey(single[a.name], a);
  }

  // Memory after the first thousand requests, the reference for growth: Keygate's, and the bare
  // pass-through's as the baseline of what node:http and undici alone do to a heap under this load.
  const passthrough = byName.passthrough;
  const rssOf = (a: Arm) => ({ requests: a.served, mib: residentMiB(a.middlePid ?? -1) });
  await saturate(wide.keygate, keygate, KINDS.chat, CONNECTIONS, forRequests(MEMORY_FIRST_REQUESTS - keygate.served));
  const rssAfterFirst = rssOf(keygate);
  await saturate(wide.passthrough, passthrough, KINDS.chat, CONNECTIONS, forRequests(MEMORY_FIRST_REQUESTS - passthrough.served));
  const passthroughRssAfterFirst = rssOf(passthrough);

  // Latency in the first requests after start, while the JIT is still compiling: reported, not the goal.
  const startLatency = await measureLatency(arms, single, [KINDS.chat], START_LATENCY);

  const throughput = {} as Record<KindName, Record<ArmName, { requests: number; seconds: number; cpuMs: number | null; roundsRps: number[] }>>;
  for (const kind of Object.values(KINDS)) {
    const plan = THROUGHPUT[kind.name];
    const able = arms.filter((a) => canDo(a, kind.name));
    const sides = Object.fromEntries(arms.map((a) => [a.name, { requests: 0, seconds: 0, cpuMs: 0 as number | null, roundsRps: [] as number[] }]));
    for (let round = 0; round < plan.rounds; round++) {
      // Rotate which arm goes first, so none always follows the same neighbour.
      for (const a of able.map((_, i) => able[(i + round) % able.length]!)) {
        await saturate(wide[a.name], a, kind, CONNECTIONS, forMs(THROUGHPUT_WARMUP_MS));
        const before = a.middlePid === null ? 0 : processTreeCpuMs(a.middlePid);
        const run = await saturate(wide[a.name], a, kind, CONNECTIONS, forMs(plan.phaseMs));
        const after = a.middlePid === null ? 0 : processTreeCpuMs(a.middlePid);
        const side = sides[a.name]!;
        side.cpuMs = side.cpuMs === null || before === null || after === null ? null : side.cpuMs + after - before;
        side.requests += run.requests;
        side.seconds += run.seconds;
        side.roundsRps.push(Math.round(run.requests / run.seconds));
      }
    }
    throughput[kind.name] = sides as (typeof throughput)[KindName];
  }

  // Latency once every arm is warm (each has answered tens of thousands of requests): what an agent
  // talking to a proxy that has been up a while sees, and the goal's figure.
  const latency = await measureLatency(arms, single, Object.values(KINDS), LATENCY);

  const sse = Object.fromEntries(arms.map((a) => [a.name, [] as number[]])) as Record<ArmName, number[]>;
  const streaming = arms.filter((a) => canDo(a, 'sse'));
  for (const a of streaming) for (let i = 0; i < SSE_WARMUP; i++) await streamToLastEvent(single[a.name], a);
  for (let round = 0; round < SSE_ROUNDS; round++) {
    for (const a of round % 2 === 0 ? streaming : [...streaming].reverse()) sse[a.name].push(await streamToLastEvent(single[a.name], a));
  }

  // Keygate's memory once it has answered 100k requests: no growth means no leak per request.
  for (const a of [keygate, passthrough]) {
    if (a.served < MEMORY_LATER_REQUESTS) await saturate(wide[a.name], a, KINDS.chat, CONNECTIONS, forRequests(MEMORY_LATER_REQUESTS - a.served));
  }
  const rssAfterMany = rssOf(keygate);
  const passthroughRssAfterMany = rssOf(passthrough);
  const refused = await mockRefusals(upstream);
  if (refused !== 0) throw new Error(`the mock upstream refused ${refused} request(s): an arm sent a wrong key or body`);
  const idleRss = await measureIdleResident();

  return report(arms, { latency, startLatency }, throughput, sse, { rssAfterFirst, rssAfterMany, passthroughRssAfterFirst, passthroughRssAfterMany, idleRss });
}

interface ResidentAt {
  requests: number;
  mib: number | null;
}

function report(
  arms: Arm[],
  { latency, startLatency }: { latency: Record<KindName, Record<ArmName, number[]>>; startLatency: Record<KindName, Record<ArmName, number[]>> },
  throughput: Record<KindName, Record<ArmName, { requests: number; seconds: number; cpuMs: number | null; roundsRps: number[] }>>,
  sse: Record<ArmName, number[]>,
  memory: { rssAfterFirst: ResidentAt; rssAfterMany: ResidentAt; passthroughRssAfterFirst: ResidentAt; passthroughRssAfterMany: ResidentAt; idleRss: { browserHost: IdleResident; serve: IdleResident } },
) {
  const rps = (kind: KindName, name: ArmName) => throughput[kind][name].requests / throughput[kind][name].seconds;
  /** `name`'s requests/s over `baseline`'s, each round's pair alone, then the median of the rounds. */
  const rpsOver = (kind: KindName, name: ArmName, baseline: ArmName) => {
    const base = throughput[kind][baseline].roundsRps;
    return round(percentile(throughput[kind][name].roundsRps.map((value, i) => value / base[i]!), 50));
  };
  const cpuPerRequest = (kind: KindName, name: ArmName) => {
    const { cpuMs, requests } = throughput[kind][name];
    return cpuMs === null ? null : round(cpuMs / requests, 4);
  };
  const p = (kind: KindName, name: ArmName, q: number) => percentile(latency[kind][name], q);
  const sseMedian = (name: ArmName) => percentile(sse[name], 50);
  const perKind = (kind: KindName, name: ArmName) => KNOWN_FAILURES[name]?.[kind] ?? measuredKind(kind, name);
  const atStart = (name: ArmName) => {
    const started = (q: number) => percentile(startLatency.chat[name], q) - percentile(startLatency.chat.direct, q);
    return { addedP50Ms: round(started(50)), addedP99Ms: round(started(99)) };
  };
  const measuredKind = (kind: KindName, name: ArmName) => ({
    ...summarizeLatency(latency[kind][name]),
    addedP50Ms: round(p(kind, name, 50) - p(kind, 'direct', 50)),
    addedP99Ms: round(p(kind, name, 99) - p(kind, 'direct', 99)),
    rps100: Math.round(rps(kind, name)),
    rpsOverDirect: rpsOver(kind, name, 'direct'),
    roundsRps: throughput[kind][name].roundsRps,
    cpuMsPerRequest: cpuPerRequest(kind, name),
  });
  const results = Object.fromEntries(
    arms.map((a) => [
      a.name,
      {
        chat: KNOWN_FAILURES[a.name]?.chat ?? { ...measuredKind('chat', a.name), firstRequests: atStart(a.name) },
        models: perKind('models', a.name),
        large: perKind('large', a.name),
        sse: KNOWN_FAILURES[a.name]?.sse ?? { medianMsToLastEvent: round(sseMedian(a.name), 2), p90Ms: round(percentile(sse[a.name], 90), 2), overDirect: round(sseMedian(a.name) / sseMedian('direct')) },
      },
    ]),
  );
  const keygateChat = measuredKind('chat', 'keygate');

  const ratio = (a: number | null, b: number | null) => (a === null || b === null ? null : round(a / b));
  const { rssAfterFirst, rssAfterMany, passthroughRssAfterFirst, passthroughRssAfterMany, idleRss } = memory;
  const measured = {
    chatRpsOverPassthrough: rpsOver('chat', 'keygate', 'passthrough'),
    chatRpsOverPortkey: rpsOver('chat', 'keygate', 'portkey'),
    chatCpuOverPassthrough: ratio(cpuPerRequest('chat', 'keygate'), cpuPerRequest('chat', 'passthrough')),
    addedP50Ms: keygateChat.addedP50Ms,
    addedP99Ms: keygateChat.addedP99Ms,
    sseOverDirect: ratio(sseMedian('keygate'), sseMedian('direct')),
    largeRpsOverPassthrough: rpsOver('large', 'keygate', 'passthrough'),
    rssGrowth: ratio(rssAfterMany.mib, rssAfterFirst.mib),
    browserHostIdleRssMiB: idleRss.browserHost.settledMiB,
    serveIdleRssMiB: idleRss.serve.settledMiB,
  };
  /** The goals that are floors; every other goal is a ceiling. */
  const atLeast = new Set<keyof typeof GOALS>(['chatRpsOverPassthrough', 'chatRpsOverPortkey', 'largeRpsOverPassthrough']);
  const goals = Object.fromEntries(
    (Object.keys(GOALS) as Array<keyof typeof GOALS>).map((name) => {
      const value = measured[name];
      const goal = GOALS[name];
      return [name, { measured: value, goal: `${atLeast.has(name) ? '≥' : '≤'} ${goal}`, met: value !== null && (atLeast.has(name) ? value >= goal : value <= goal) }];
    }),
  );
  return {
    name: 'proxy-overhead',
    workload: {
      chat: `POST /v1/chat/completions, ${SMALL_BODY.length}-byte JSON body, ${CHAT_ANSWER.length}-byte answer (the headline)`,
      models: `GET /v1/models, ${MODELS_ANSWER.length}-byte answer`,
      large: `POST /v1/chat/completions, ${LARGE_BODY.length}-byte JSON body`,
      sse: `POST /v1/chat/completions with stream: true, ${SSE_EVENTS} events, one write each; time to the last event at 1 connection, ${SSE_ROUNDS} streams per arm`,
      latency: LATENCY,
      firstRequestsLatency: { ...START_LATENCY.chat, when: 'the headline right after the 1k-request memory mark, before the throughput phases' },
      throughput: { connections: CONNECTIONS, warmupMs: THROUGHPUT_WARMUP_MS, ...THROUGHPUT, ratios: 'median over rounds of the two arms\' requests/s in the same round' },
      cores: cpus().length,
      cpu: 'CPU ms per request of the middle process and its children (user + system, /proc), in the 100-connection phases',
    },
    arms: results,
    memory: {
      keygateRssAfterFirst: rssAfterFirst,
      keygateRssAfterMany: rssAfterMany,
      passthroughRssAfterFirst,
      passthroughRssAfterMany,
      passthroughRssGrowth: ratio(passthroughRssAfterMany.mib, passthroughRssAfterFirst.mib),
      idleRss,
    },
    goals,
  };
}
