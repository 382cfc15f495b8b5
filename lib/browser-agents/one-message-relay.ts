/**
 * The background's side of a one-message call (another extension's `runtime.sendMessage`, see
 * one-message.ts). It runs through exactly what a port request runs through — relayAgentRequest,
 * so the same admission (grant, vault, host) and the same host pipeline — over an in-memory port
 * that plays the agent: it sends the request, the body in bridge-sized pieces (the next one after
 * each body-ack), and reads the answer to its end with a credit per chunk.
 *
 * Reading to the end is what ends the host request: the caller going away cannot be seen with
 * sendMessage, so nothing here waits on the caller. Past ONE_MESSAGE_ANSWER_MAX_BYTES the port
 * hangs up (the relay cancels the host request, which aborts the upstream call) and the call is
 * refused with ANSWER_TOO_LARGE.
 */
import { BRIDGE_CHUNK_BYTES, isHeaderList } from '../../shared/bridge-messages';
import { type ErrorBody, errorBody } from '../../shared/errors';
import { type AgentMessage, type GatewayMessage, isAgentMessage } from './agent-messages';
import { chunkBytes, encodeChunk } from './body-chunks';
import { type AgentPort, refusalMessages, type RelayDeps, relayAgentRequest } from './bridge-relay';
import { isBase64Body, ONE_MESSAGE_ANSWER_MAX_BYTES, ONE_MESSAGE_CALL, type OneMessageAnswer, type OneMessageCall } from './one-message';

/** Base64 characters per body piece: whole 4-character groups, so each piece decodes to ≤ BRIDGE_CHUNK_BYTES alone. */
const BODY_PIECE_CHARS = Math.floor(BRIDGE_CHUNK_BYTES / 3) * 4;

const CALL_FIELDS = new Set(['type', 'method', 'path', 'headers', 'body']);
const CALL_SHAPE = `Expected { type: '${ONE_MESSAGE_CALL}', method, path, headers?, body? }: an upper-case method, a path starting with /, [name, value] header pairs, a base64 body (docs/browser-agents.md).`;

type RequestMessage = Extract<AgentMessage, { type: 'request' }>;

/** The port request a well-formed call stands for, with its body; null for anything else. */
function readOneMessageCall(value: unknown): { request: RequestMessage; body: string | undefined } | null {
  const call = value as Partial<OneMessageCall> | null;
  if (call?.type !== ONE_MESSAGE_CALL || !Object.keys(call).every((field) => CALL_FIELDS.has(field))) return null;
  if ((call.headers !== undefined && !isHeaderList(call.headers)) || (call.body !== undefined && !isBase64Body(call.body))) return null;
  const request = { type: 'request', method: call.method, path: call.path, headers: call.headers ?? [], hasBody: call.body !== undefined };
  return isAgentMessage(request) && request.type === 'request' ? { request, body: call.body } : null;
}

/** A refusal as one answer: the very head and body a port agent gets (refusalMessages). */
function refusalAnswer(error: ErrorBody): OneMessageAnswer {
  const answer: OneMessageAnswer = { status: 0, headers: [], body: '' };
  for (const message of refusalMessages(error)) {
    if (message.type === 'head') Object.assign(answer, { status: message.status, headers: message.headers });
    if (message.type === 'chunk') answer.body = message.data;
  }
  return answer;
}

function joined(pieces: Uint8Array[], length: number): Uint8Array {
  const whole = new Uint8Array(length);
  let at = 0;
  for (const piece of pieces) {
    whole.set(piece, at);
    at += piece.length;
  }
  return whole;
}

export function relayOneMessageCall(message: unknown, deps: RelayDeps, maxAnswerBytes = ONE_MESSAGE_ANSWER_MAX_BYTES): Promise<OneMessageAnswer> {
  const call = readOneMessageCall(message);
  if (call === null) return Promise.resolve(refusalAnswer(errorBody('MESSAGE_INVALID', CALL_SHAPE)));

  return new Promise((resolve) => {
    const relayListeners: Array<(message: unknown) => void> = [];
    const hangUpListeners: Array<() => void> = [];
    // A runtime port delivers on a later turn, and the relay counts on it: it finishes its own step
    // (say, sending the end and marking the request done) before it hears from the agent again.
    const toRelay = (agentMessage: AgentMessage) => queueMicrotask(() => relayListeners.forEach((listener) => listener(agentMessage)));
    let head: { status: number; headers: [string, string][] } | null = null;
    const pieces: Uint8Array[] = [];
    let received = 0;
    let settled = false;
    let bodyAcked: (() => void) | null = null;

    const settle = (answer: OneMessageAnswer) => {
      if (settled) return;
      settled = true;
      bodyAcked?.();
      resolve(answer);
      // The agent's port closing: after the end it changes nothing, before it the host request is cancelled.
      queueMicrotask(() => hangUpListeners.forEach((listener) => listener()));
    };
    /** Keeps the bytes unless they take the answer past the cap (then the call is refused). */
    const keep = (bytes: Uint8Array): boolean => {
      received += bytes.length;
      if (received > maxAnswerBytes) {
        settle(refusalAnswer(errorBody('ANSWER_TOO_LARGE')));
        return false;
      }
      pieces.push(bytes);
      return true;
    };
    /** Chunks are unpacked (inflating is asynchronous) in the order they came, the end after them. */
    let unpacked: Promise<void> = Promise.resolve();
    const inOrder = (step: () => Promise<void> | void) => {
      unpacked = unpacked.then(step).catch(() => settle(refusalAnswer(errorBody('INTERNAL_ERROR'))));
    };
    const collect = (answerMessage: GatewayMessage) => {
      if (settled) return;
      switch (answerMessage.type) {
        case 'head':
          head = { status: answerMessage.status, headers: answerMessage.headers };
          return;
        case 'chunk': {
          const { data, coding } = answerMessage;
          inOrder(async () => {
            const bytes = await chunkBytes(data, coding);
            if (!settled && head !== null && keep(bytes)) toRelay({ type: 'credit', chunks: 1 });
          });
          return;
        }
        case 'answer': {
          const { status, headers, data, coding } = answerMessage;
          inOrder(async () => {
            const bytes = await chunkBytes(data, coding);
            if (!settled && keep(bytes)) settle({ status, headers, body: coding === undefined ? data : encodeChunk(bytes) });
          });
          return;
        }
        case 'end':
          inOrder(() => settle(head === null ? refusalAnswer(errorBody('INTERNAL_ERROR')) : { ...head, body: encodeChunk(joined(pieces, received)) }));
          return;
        case 'error':
          settle(refusalAnswer(answerMessage.error));
          return;
        case 'body-ack':
          bodyAcked?.();
      }
    };

    const port: AgentPort = {
      postMessage: collect,
      disconnect: () => settle(refusalAnswer(errorBody('INTERNAL_ERROR'))),
      onMessage: { addListener: (listener) => void relayListeners.push(listener) },
      onDisconnect: { addListener: (listener) => void hangUpListeners.push(listener) },
    };
    relayAgentRequest(port, deps);
    toRelay(call.request);
    if (call.body !== undefined) void upload(call.body);

    /** One piece at a time, each after the host took the one before: the host's reading pace paces the upload. */
    async function upload(body: string) {
      for (let at = 0; at < body.length && !settled; at += BODY_PIECE_CHARS) {
        const data = body.slice(at, at + BODY_PIECE_CHARS);
        await new Promise<void>((acked) => {
          bodyAcked = acked;
          toRelay({ type: 'body', data, end: false });
        });
        bodyAcked = null;
      }
      if (!settled) toRelay({ type: 'body', data: '', end: true });
    }
  });
}
