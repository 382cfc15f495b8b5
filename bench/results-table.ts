/**
 * `npx tsx bench/results-table.ts`: the README's side-by-side proxy table and goals, as Markdown, from
 * the last `npm run bench` (bench/results/proxy-overhead.json), so the README shows measured figures only.
 */
import { readFile } from 'node:fs/promises';

type Added = { addedP50Ms: number; addedP99Ms: number };
type Figures = Added & { rpsOverDirect: number; cpuMsPerRequest: number | null };
type HeadlineFigures = Figures & { firstRequests: Added };
type Arm = { chat: HeadlineFigures | string; models: Figures | string; large: Figures | string; sse: { overDirect: number } | string };
interface Results {
  at: string;
  node: string;
  cpus: number;
  arms: Record<string, Arm>;
  goals: Record<string, { measured: number | null; goal: string; met: boolean }>;
}

const LABELS: Record<string, string> = {
  direct: 'direct (no proxy)',
  relay: 'TCP byte relay (the extra hop alone)',
  passthrough: 'bare node:http + undici, checks the `pk_` key, sets the real one',
  nginx: 'nginx, 1 worker, same job',
  haproxy: 'HAProxy, 1 thread, same job',
  portkey: 'Portkey AI gateway (npm; the agent holds the real key)',
  keygate: '**Keygate**',
};

const failed = (value: unknown): value is string => typeof value === 'string';
const ms = (value: number) => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(2)}`;
const added = (figures: Added) => `${ms(figures.addedP50Ms)} / ${ms(figures.addedP99Ms)}`;
const times = (figures: Figures | string) => (failed(figures) ? 'fails' : `${figures.rpsOverDirect.toFixed(2)}×`);

const results = JSON.parse(await readFile('bench/results/proxy-overhead.json', 'utf8')) as Results;
const lines = [
  `Last run: ${results.at.slice(0, 10)}, ${results.cpus} cores shared with other work, Node ${results.node}. Headline: \`POST /v1/chat/completions\` with a small JSON body.`,
  '',
  '| arm | added p50 / p99 at 1 connection, warm (ms) | the same right after its first 1k requests | throughput at 100 connections (× direct) | CPU ms per request | `GET /v1/models` (× direct) | 64 KiB body (× direct) | SSE, 1,000 events: time to last (× direct) |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
];
for (const [name, arm] of Object.entries(results.arms)) {
  const chat = arm.chat;
  const latency = failed(chat) ? 'fails' : added(chat);
  const startLatency = failed(chat) ? 'fails' : added(chat.firstRequests);
  const cpu = failed(chat) || chat.cpuMsPerRequest === null ? '—' : chat.cpuMsPerRequest.toFixed(3);
  const sse = failed(arm.sse) ? 'fails' : `${arm.sse.overDirect.toFixed(2)}×`;
  lines.push(`| ${LABELS[name] ?? name} | ${latency} | ${startLatency} | ${times(chat)} | ${cpu} | ${times(arm.models)} | ${times(arm.large)} | ${sse} |`);
}
lines.push('', '| goal (issue #13) | measured | target | met |', '| --- | --- | --- | --- |');
for (const [name, goal] of Object.entries(results.goals)) lines.push(`| ${name} | ${goal.measured ?? '—'} | ${goal.goal} | ${goal.met ? 'yes' : 'no'} |`);
console.log(lines.join('\n'));
