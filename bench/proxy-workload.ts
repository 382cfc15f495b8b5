/**
 * What every arm of the proxy benchmark sends and what the mock upstream accepts, in one place so the
 * load generator and the mock (its own process) agree byte for byte. The mock refuses a request
 * without the real key or with another body, so an arm that skipped the injection or mangled the
 * body fails the run instead of looking fast.
 */
import { createHash } from 'node:crypto';

/** Obviously fake: the real key only the arms (and the direct calls) may send upstream. */
export const UPSTREAM_KEY = 'sk-test-FAKE-keygate-bench-0000000000000000';
/** Obviously fake: the agent key the peer proxies (pass-through, nginx, HAProxy) check. */
export const PEER_AGENT_KEY = 'pk_test_FAKE_keygate_bench_agent_key_00000000000000';

export const MODEL = 'bench-model-small';
/** The headline: a small chat completion, as agents send them (67 bytes). */
export const SMALL_CONTENT = 'Say hi in one word.';
/** 64 KiB of request body: a long prompt. */
export const LARGE_BODY_BYTES = 64 * 1024;
export const SSE_EVENTS = 1000;

function chatBody(content: string, stream: boolean): string {
  return JSON.stringify({ model: MODEL, messages: [{ role: 'user', content }], ...(stream ? { stream: true } : {}) });
}

export const SMALL_BODY = chatBody(SMALL_CONTENT, false);
const largeSkeleton = chatBody('', false).length;
export const LARGE_CONTENT = 'lorem ipsum '.repeat(LARGE_BODY_BYTES).slice(0, LARGE_BODY_BYTES - largeSkeleton);
export const LARGE_BODY = chatBody(LARGE_CONTENT, false);
export const STREAM_BODY = chatBody(SMALL_CONTENT, true);

export const MODELS_ANSWER = JSON.stringify({
  object: 'list',
  data: [
    { id: 'bench-model-small', object: 'model', created: 1700000000, owned_by: 'keygate-bench' },
    { id: 'bench-model-large', object: 'model', created: 1700000001, owned_by: 'keygate-bench' },
  ],
});

export const CHAT_ANSWER = JSON.stringify({
  id: 'chatcmpl-bench-0001',
  object: 'chat.completion',
  created: 1700000000,
  model: MODEL,
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hi.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 13, completion_tokens: 2, total_tokens: 15 },
});

/** One server-sent event of the stream; the stream ends with `data: [DONE]`. */
export function sseEvent(index: number): string {
  return `data: ${JSON.stringify({ id: 'chatcmpl-bench-0001', object: 'chat.completion.chunk', created: 1700000000, model: MODEL, choices: [{ index: 0, delta: { content: `t${index}` } }] })}\n\n`;
}
export const SSE_DONE = 'data: [DONE]\n\n';

/** True when `body` asks for exactly what one of the workload's chat requests asks (key order and spacing aside). */
export function isExpectedChatBody(body: string): { ok: boolean; stream: boolean } {
  let parsed: { model?: unknown; messages?: unknown; stream?: unknown };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    return { ok: false, stream: false };
  }
  const messages = parsed.messages as Array<{ role?: unknown; content?: unknown }> | undefined;
  const content = Array.isArray(messages) && messages.length === 1 && messages[0]?.role === 'user' ? messages[0].content : undefined;
  const stream = parsed.stream === true;
  const ok = parsed.model === MODEL && (content === SMALL_CONTENT || (content === LARGE_CONTENT && !stream));
  return { ok, stream };
}

/** A file download (`GET /v1/files/ID/content`): the bridge benchmark's streamed answers. */
export const DOWNLOAD_PATH = '/v1/files/file-bench-5mb/content';
export const DOWNLOAD_BYTES = 5 * 1024 * 1024;
/**
 * The binary download repeats this 64 KiB block: hash output, so bytes that spell no key and that
 * deflate cannot shrink (no repeat within its 32 KiB window), as an image or an archive would be.
 */
export const DOWNLOAD_BLOCK = Buffer.concat(Array.from({ length: 2048 }, (_, n) => createHash('sha256').update(`keygate bench block ${n}`).digest()));

/** Words for the text download's sentences. */
const WORDS = 'the of and to in is that for it as with was on be by this are or from at which an have not but they all can has were more one their there been if would will what about when so some them no other into time could than then its only may these two like any also new first way who now people after most made over such very even back much where just those well because through see years how different world'.split(' ');

/** The same size of model output: a Batch API result file (JSONL), what an agent downloads as text. */
export const TEXT_DOWNLOAD_PATH = '/v1/files/file-bench-5mb-batch-output/content';
export const TEXT_DOWNLOAD = batchOutput(DOWNLOAD_BYTES);

/**
 * An upload (`POST /v1/files`): the same 5 MiB of JSONL going up, as an agent sends a Batch API input
 * file or a long document. The mock answers with the byte count only when every byte arrived intact.
 */
export const UPLOAD_PATH = '/v1/files';
export const UPLOAD_ANSWER = JSON.stringify({ object: 'file', bytes: DOWNLOAD_BYTES, purpose: 'batch' });

/** `bytes` of batch results with varied ids, numbers and sentences (seeded, so every run serves the same file). */
function batchOutput(bytes: number): Buffer {
  let seed = 0x6b657967;
  const next = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const hex = (length: number) => Array.from({ length }, () => Math.floor(next() * 16).toString(16)).join('');
  const lines: string[] = [];
  let size = 0;
  for (let n = 0; size < bytes; n++) {
    const sentence = Array.from({ length: 20 + Math.floor(next() * 40) }, () => WORDS[Math.floor(next() * WORDS.length)]).join(' ');
    const prompt = 10 + Math.floor(next() * 500);
    const completion = 20 + Math.floor(next() * 300);
    const line = `${JSON.stringify({
      id: `batch_req_${hex(24)}`,
      custom_id: `request-${n}`,
      response: {
        status_code: 200,
        request_id: hex(32),
        body: {
          id: `chatcmpl-${hex(29)}`,
          object: 'chat.completion',
          created: 1_765_000_000 + n,
          model: MODEL,
          choices: [{ index: 0, message: { role: 'assistant', content: `${sentence}.` }, finish_reason: 'stop' }],
          usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
        },
      },
      error: null,
    })}\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, bytes);
}
