/**
 * Answers an agent with the catalogue's JSON error: `{"error": {code, message, hint}}` and the
 * code's HTTP status, through whichever reply its front door gave. The detail must never carry a
 * secret (callers pass rule names, not values).
 */
import { agentHint, type HintMode } from '../../../shared/error-hints';
import { ERRORS, type ErrorCode, errorBody, KeygateError } from '../../../shared/errors';
import { answerEnded } from '../upstream/upstream-relay';
import type { AgentReply } from './agent-exchange';

export function replyJson(reply: AgentReply, status: number, value: unknown, headers: Record<string, string> = {}): Promise<void> {
  const body = Buffer.from(JSON.stringify(value));
  reply.start(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length), 'cache-control': 'no-store' });
  reply.write(body);
  return answerEnded(reply);
}

/**
 * The catalogue error with the agent hint for this proxy's mode. After the head went out, an error
 * can only break the answer off: the agent must not take it for whole.
 */
export function replyError(reply: AgentReply, mode: HintMode, code: ErrorCode, detail?: string, headers: Record<string, string> = {}): Promise<void> {
  if (reply.headersSent) {
    reply.abort(new KeygateError(code, detail));
    return Promise.resolve();
  }
  return replyJson(reply, ERRORS[code].status, { error: { ...errorBody(code, detail), hint: agentHint(code, mode) } }, headers);
}
