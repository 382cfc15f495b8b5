/**
 * `npx tsx bench/profile-host.ts [seconds]`: a CPU profile of the built keygate-host (`node
 * --cpu-prof`) serving the proxy benchmark's headline request — `POST /openai/v1/chat/completions`
 * with a small JSON body, 100 connections, against the same mock upstream — and its top self-time
 * frames. Writes bench/results/host-profile.cpuprofile (Chrome DevTools and VS Code open it).
 * Not part of `npm run bench`: a profiler slows the host, so its figures are not the benchmark's.
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { startProxyHost } from '../tests/integration/proxy-host';
import { CHAT_ANSWER, SMALL_BODY, UPSTREAM_KEY } from './proxy-workload';
import { MOCK_UPSTREAM_SERVER, startServerProcess } from './server-process';

const CONNECTIONS = 100;
const WARMUP_REQUESTS = 2_000;
const seconds = Number(process.argv[2] ?? 15);
const TOP_FRAMES = 10;
const OUTPUT = 'bench/results/host-profile.cpuprofile';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** `concurrency` requests always in flight until `until()` is true; the number answered. */
async function load(pool: Pool, path: string, authorization: string, concurrency: number, until: (answered: number) => boolean): Promise<number> {
  let answered = 0;
  const worker = async () => {
    while (!until(answered)) {
      const { statusCode, body } = await pool.request({ path, method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: SMALL_BODY });
      const text = await body.text();
      if (statusCode !== 200 || text !== CHAT_ANSWER) throw new Error(`HTTP ${statusCode}: ${text.slice(0, 200)}`);
      answered += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return answered;
}

/** Self time per function (name, script, line), in ms, from the sampled stacks; idle time left out. */
function topSelfTime(profile: CpuProfile, count: number) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined || frame.functionName === '(idle)') return;
    const delta = profile.timeDeltas[i] ?? 0;
    const script = frame.url.replace(/^.*\/(node_modules\/|native-host\/dist\/)/, '$1');
    const key = `${frame.functionName || '(anonymous)'} ${script}${script ? `:${frame.lineNumber + 1}` : ''}`;
    selfUs.set(key, (selfUs.get(key) ?? 0) + delta);
    totalUs += delta;
  });
  const frames = [...selfUs.entries()].sort((a, b) => b[1] - a[1]).slice(0, count);
  return { busyMs: Math.round(totalUs / 1000), frames: frames.map(([frame, us]) => ({ frame, selfMs: Math.round(us / 1000), share: `${((100 * us) / totalUs).toFixed(1)} %` })) };
}

const profileDir = await mkdtemp(join(tmpdir(), 'keygate-host-profile-'));
const upstream = await startServerProcess(fileURLToPath(MOCK_UPSTREAM_SERVER));
let answered = 0;
try {
  const keygate = await startProxyHost({
    policy: `[proxy]\nport = 0\n\n[services.openai]\nbase_url = "${upstream.origin}"\n`,
    credentials: [{ service: 'openai', secret: UPSTREAM_KEY }],
    agents: [{ name: 'bench', scopes: ['openai'] }],
    nodeFlags: ['--cpu-prof', '--cpu-prof-dir', profileDir],
  });
  const pool = new Pool(keygate.baseUrl, { connections: CONNECTIONS, pipelining: 1, keepAliveTimeout: 60_000 });
  try {
    const authorization = `Bearer ${keygate.agentKeys.bench}`;
    await load(pool, '/openai/v1/chat/completions', authorization, CONNECTIONS, (n) => n >= WARMUP_REQUESTS);
    const deadline = performance.now() + seconds * 1000;
    answered = await load(pool, '/openai/v1/chat/completions', authorization, CONNECTIONS, () => performance.now() >= deadline);
  } finally {
    await pool.destroy();
    // The profile is written when the host exits normally (stdin closed), not when it is killed.
    await keygate.stop();
  }
} finally {
  await upstream.stop();
}
const [written] = (await readdir(profileDir)).filter((name) => name.endsWith('.cpuprofile'));
if (written === undefined) throw new Error(`keygate-host wrote no profile into ${profileDir}`);
await mkdir('bench/results', { recursive: true });
await copyFile(join(profileDir, written), OUTPUT);
await rm(profileDir, { recursive: true, force: true });
const profile = JSON.parse(await readFile(OUTPUT, 'utf8')) as CpuProfile;
console.log(JSON.stringify({ profile: OUTPUT, requests: answered + WARMUP_REQUESTS, ...topSelfTime(profile, TOP_FRAMES) }, null, 2));
