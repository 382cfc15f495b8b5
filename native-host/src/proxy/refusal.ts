import { type ErrorCode, KeygateError } from '../../../shared/errors';

/** A refusal the pipeline answers with; `headers` carries e.g. Retry-After, `rule` the policy rule. */
export class Refusal extends KeygateError {
  constructor(code: ErrorCode, detail?: string, readonly headers: Record<string, string> = {}, readonly rule?: string) {
    super(code, detail);
  }
}
