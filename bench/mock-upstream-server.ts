/**
 * The proxy benchmark's stand-in upstream, run as its own process (forked by proxy-overhead.bench.ts)
 * so it never shares an event loop with the load generator or the arms. It speaks the slice of the
 * OpenAI API the workload uses (bench/proxy-workload.ts) and refuses, loudly, any request that lacks
 * the real key or carries another body: `GET /v1/models`, `POST /v1/chat/completions` (a JSON
 * answer, or 1,000 server-sent events when the body asks to stream), and a 5 MiB file download
 * (`DOWNLOAD_PATH`, for the bridge benchmark) and a 5 MiB upload that must arrive byte for byte
 * (`UPLOAD_PATH`). Reports its port over IPC and
 * counts what it refused, so the benchmark can prove that a wrong agent key never got through.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CHAT_ANSWER, DOWNLOAD_BLOCK, DOWNLOAD_BYTES, DOWNLOAD_PATH, isExpectedChatBody, MODELS_ANSWER, SSE_DONE, SSE_EVENTS, sseEvent, TEXT_DOWNLOAD, TEXT_DOWNLOAD_PATH, UPLOAD_ANSWER, UPLOAD_PATH, UPSTREAM_KEY } from './proxy-workload';

const models = Buffer.from(MODELS_ANSWER, 'utf8');
const chat = Buffer.from(CHAT_ANSWER, 'utf8');
const events = Array.from({ length: SSE_EVENTS }, (_, i) => Buffer.from(sseEvent(i), 'utf8'));
let served = 0;
let refused = 0;

function answer(res: ServerResponse, status: number, body: Buffer | string): void {
  if (status !== 200) refused += 1;
  else served += 1;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** One event per write, yielding between them, so every proxy sees a stream of small chunks as from a model. */
function streamEvents(res: ServerResponse): void {
  served += 1;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let next = 0;
  const writeNext = () => {
    if (next === events.length) {
      res.end(SSE_DONE);
      return;
    }
    res.write(events[next++]);
    setImmediate(writeNext);
  };
  writeNext();
}

/** A download in 64 KiB writes, each after the last one drained, as a file server sends it. */
function streamDownload(res: ServerResponse, contentType: string, blockAt: (offset: number) => Buffer): void {
  served += 1;
  res.writeHead(200, { 'content-type': contentType, 'content-length': DOWNLOAD_BYTES });
  let sent = 0;
  const writeMore = () => {
    while (sent < DOWNLOAD_BYTES) {
      const block = blockAt(sent).subarray(0, Math.min(64 * 1024, DOWNLOAD_BYTES - sent));
      sent += block.length;
      if (!res.write(block)) return void res.once('drain', writeMore);
    }
    res.end();
  };
  writeMore();
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    if (req.headers.authorization !== `Bearer ${UPSTREAM_KEY}`) return answer(res, 401, '{"error":"mock upstream: not the real key"}');
    if (req.method === 'GET' && req.url === '/v1/models') return answer(res, 200, models);
    if (req.method === 'GET' && req.url === DOWNLOAD_PATH) return streamDownload(res, 'application/octet-stream', () => DOWNLOAD_BLOCK);
    if (req.method === 'GET' && req.url === TEXT_DOWNLOAD_PATH) return streamDownload(res, 'application/jsonl', (offset) => TEXT_DOWNLOAD.subarray(offset));
    if (req.method === 'POST' && req.url === UPLOAD_PATH) {
      return Buffer.concat(chunks).equals(TEXT_DOWNLOAD) ? answer(res, 200, UPLOAD_ANSWER) : answer(res, 400, '{"error":"mock upstream: the upload arrived changed"}');
    }
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return answer(res, 404, '{"error":"mock upstream: no such route"}');
    const body = isExpectedChatBody(Buffer.concat(chunks).toString('utf8'));
    if (!body.ok) return answer(res, 400, '{"error":"mock upstream: not the body the agent sent"}');
    if (body.stream) return streamEvents(res);
    return answer(res, 200, chat);
  });
});
// Longer than any pause between benchmark phases, so pools are never torn down mid-run.
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('message', (message) => {
  if ((message as { type?: string }).type === 'counts') process.send?.({ type: 'counts', served, refused });
});
const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('disconnect', stop);
process.on('SIGTERM', stop);
