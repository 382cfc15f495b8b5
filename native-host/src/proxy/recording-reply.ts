/**
 * The innermost decorator the pipeline puts on a front door's reply: every answer carries the
 * request id, and the status and bytes the agent was sent land in the request's record for the audit
 * line (counted after scrubbing: what the agent actually received).
 */
import { type AgentReply, ReplyDecorator } from './agent-exchange';
import type { RequestRecord } from './request-audit';

export class RecordingReply extends ReplyDecorator {
  constructor(
    inner: AgentReply,
    private readonly record: RequestRecord,
  ) {
    super(inner);
  }

  override start(status: number, headers: Record<string, string | string[] | undefined>): void {
    this.record.status = status;
    headers['x-keygate-request-id'] = this.record.requestId;
    this.inner.start(status, headers);
  }

  override write(chunk: Buffer): boolean {
    this.record.meter.bytesOut += chunk.length;
    return this.inner.write(chunk);
  }
}
