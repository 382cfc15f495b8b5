/**
 * The third-party proxies the benchmark measures Keygate against, each configured for Keygate's job
 * on the headline route (`/openai/*` → the mock upstream): nginx and HAProxy check the agent's `pk_`
 * key, answer 401 without it, set the real key and keep connections to the upstream alive; the
 * Portkey gateway forwards to a custom host with the real key the agent sends (it has no agent keys
 * of its own: that is how it is used). Each runs in the foreground as a child of the benchmark, its
 * config generated into a temporary directory; nothing is installed as a system service.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { ensureDebianBinary, ensurePortkeyGateway } from './peer-install';
import { PEER_AGENT_KEY, UPSTREAM_KEY } from './proxy-workload';
import { listeningProcess, type ServerProcess } from './server-process';

export type PeerProcess = ServerProcess;

/** A port the kernel just handed out and took back; the peer binds it a moment later. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Spawns `command`, waits until its port accepts connections; stderr is kept for the error if it dies first. */
async function startListening(name: string, command: string, args: string[], port: number, env: NodeJS.ProcessEnv = process.env): Promise<PeerProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
  const deadline = Date.now() + 20_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`bench: ${name} exited before listening (${child.exitCode ?? child.signalCode}): ${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`bench: ${name} did not listen on ${port} within 20 s: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return listeningProcess(child, port);
}

/** nginx 1.x, one worker (Keygate is one event loop), request and response streamed (no buffering, for SSE). */
export async function startNginx(upstreamOrigin: string, dir: string): Promise<PeerProcess> {
  const nginx = ensureDebianBinary('nginx', 'nginx');
  const port = await freePort();
  const upstream = new URL(upstreamOrigin);
  await mkdir(join(dir, 'logs'), { recursive: true });
  const temp = (name: string) => `${name}_temp_path ${join(dir, name)};`;
  const config = `
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log stderr warn;
events { worker_connections 4096; }
http {
  access_log off;
  map_hash_bucket_size 128;
  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}
  keepalive_timeout 60s;
  keepalive_requests 1000000;
  client_max_body_size 1m;
  client_body_buffer_size 128k;
  # Idle upstream connections are let go before the mock's own 60 s keep-alive ends them.
  upstream mock { server ${upstream.hostname}:${upstream.port}; keepalive 256; keepalive_requests 1000000; keepalive_timeout 30s; }
  map $http_authorization $agent_key_ok { default 0; "Bearer ${PEER_AGENT_KEY}" 1; }
  server {
    listen 127.0.0.1:${port};
    location /openai/ {
      if ($agent_key_ok = 0) { return 401 '{"error":"bad agent key"}'; }
      proxy_pass http://mock/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Authorization "Bearer ${UPSTREAM_KEY}";
      proxy_set_header X-Api-Key "";
      proxy_set_header Cookie "";
      proxy_buffering off;
      proxy_request_buffering off;
    }
  }
}
`;
  const file = join(dir, 'nginx.conf');
  await writeFile(file, config);
  return startListening('nginx', nginx, ['-p', dir, '-c', file, '-e', 'stderr', '-g', 'daemon off;'], port);
}

/** HAProxy 2.x in HTTP mode, one thread, connections to the upstream reused. */
export async function startHaproxy(upstreamOrigin: string, dir: string): Promise<PeerProcess> {
  const haproxy = ensureDebianBinary('haproxy', 'haproxy');
  const port = await freePort();
  const upstream = new URL(upstreamOrigin);
  await mkdir(dir, { recursive: true });
  const config = `
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s
  http-reuse always
frontend agents
  bind 127.0.0.1:${port}
  http-request return status 401 content-type application/json string '{"error":"bad agent key"}' unless { path_beg /openai/ } { req.hdr(authorization) -m str "Bearer ${PEER_AGENT_KEY}" }
  http-request del-header x-api-key
  http-request del-header cookie
  http-request set-header Authorization "Bearer ${UPSTREAM_KEY}"
  http-request replace-path ^/openai(/.*) \\1
  default_backend mock
backend mock
  server mock ${upstream.hostname}:${upstream.port}
`;
  const file = join(dir, 'haproxy.cfg');
  await writeFile(file, config);
  return startListening('haproxy', haproxy, ['-f', file, '-db'], port);
}

/** The Portkey AI gateway (OSS, npm), headless: the agent names the provider and the upstream in headers. */
export async function startPortkey(): Promise<PeerProcess> {
  const server = ensurePortkeyGateway();
  const port = await freePort();
  return startListening('the Portkey gateway', process.execPath, [server, `--port=${port}`, '--headless'], port, { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production' });
}

/** The headers an agent sends Portkey to reach the mock upstream with the real key. */
export function portkeyHeaders(upstreamOrigin: string): Record<string, string> {
  return { authorization: `Bearer ${UPSTREAM_KEY}`, 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${upstreamOrigin}/v1` };
}
