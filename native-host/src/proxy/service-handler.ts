/**
 * What a service route does once the pipeline has let the caller in: key injection (OpenAI,
 * Anthropic, custom services) and Binance (signing, default deny, caps) are the two implementations.
 * The pipeline runs the one admission order around them (authenticate → scope → vault → endpoint
 * rules → rate limit), so a handler only answers "which endpoint rules" and "how to forward".
 */
import type { AgentAccess } from '../../../shared/agents/agent-keys';
import type { AgentHeaders, AgentReply, AgentRequest } from './agent-exchange';
import type { Caller } from './caller-identity';
import type { RequestRecord } from './request-audit';
import type { ServiceTarget } from './service-routes';

/** One admitted request on its way upstream. */
export interface ForwardCall<Admitted> {
  request: AgentRequest;
  /** Already carries the request id and records what the agent is sent. */
  reply: AgentReply;
  target: ServiceTarget;
  query: string;
  record: RequestRecord;
  admitted: Admitted;
}

/** What the endpoint-rules step sees of a request: who, which method, path and query, and its headers. */
export interface AdmissionCall {
  caller: Caller;
  /** Upper-case. */
  method: string;
  headers: AgentHeaders;
  query: string;
  target: ServiceTarget;
}

export interface ServiceHandler<Admitted> {
  /** The scope step: the access the caller needs to use this service at all. */
  readonly entryAccess: AgentAccess;
  /** The endpoint-rules step: throws the refusal, or says what `forward` needs to know. */
  admit(call: AdmissionCall): Admitted;
  forward(call: ForwardCall<Admitted>): Promise<void>;
}
