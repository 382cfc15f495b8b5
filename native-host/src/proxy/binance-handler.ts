/**
 * Binance as a service handler: the pipeline's admission order around the Binance gateway, which
 * gets only what it needs of the request (path, query, body, abort signal, a scrubbing reply).
 */
import { type BinanceAdmission, type BinanceGateway } from '../binance/binance-gateway';
import { patternsForOneAnswer, ScrubbingReply } from './response-relay';
import type { AdmissionCall, ForwardCall, ServiceHandler } from './service-handler';

export class BinanceHandler implements ServiceHandler<BinanceAdmission> {
  /** binance:read or binance:trade; which of the two an endpoint needs is an endpoint rule. */
  readonly entryAccess = 'read';

  constructor(private readonly gateway: BinanceGateway) {}

  admit({ caller, method, target }: AdmissionCall): BinanceAdmission {
    return this.gateway.admit(caller.scopes, method, target.upstreamPath);
  }

  forward({ request, reply, target, query, record, admitted }: ForwardCall<BinanceAdmission>): Promise<void> {
    const contentType = request.headers['content-type'];
    return this.gateway.forward(
      {
        method: request.method.toUpperCase(),
        upstreamPath: target.upstreamPath,
        query,
        contentType: Array.isArray(contentType) ? contentType[0] : contentType,
        body: request.body,
        signal: request.signal,
        scrubbedReply: (secrets) => new ScrubbingReply(reply, patternsForOneAnswer(secrets)),
        meter: record.meter,
        detail: (record.detail ??= {}),
      },
      admitted,
    );
  }
}
