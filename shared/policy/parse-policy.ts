/**
 * The policy file parser: TOML text in, a complete Policy or every problem (with its line) out. A
 * bad policy is refused whole, so the caller keeps the running one.
 */
import { parse, TomlError } from 'smol-toml';
import { KeygateError } from '../errors';
import { defaultPolicy } from './policy-defaults';
import { PolicyReader } from './policy-reader';
import type { PolicyProblem, PolicyResult } from './policy-types';
import { PROXY_KEYS, readProxy } from './proxy-section';
import { BINANCE_KEYS, BUILTIN_SERVICE_KEYS, readBinance, readBuiltinService, readCustomServices } from './service-sections';

export { DEFAULT_PROXY_PORT, defaultPolicy } from './policy-defaults';
export type { PolicyProblem, PolicyResult } from './policy-types';

/** Far above any real policy; keeps a pasted-in huge file from stalling the options page. */
/** One limit for the page's live check, the native message and the host's parse. */
export const MAX_POLICY_CHARS = 1024 * 1024;

function fileProblem(message: string, line: number | null = null): PolicyResult {
  return { ok: false, errors: [{ line, field: '', message }] };
}

/** smol-toml's message is "Invalid TOML document: <what>" followed by a code excerpt. */
function syntaxProblem(error: unknown): PolicyResult {
  if (!(error instanceof TomlError)) return fileProblem('the file is not valid TOML');
  const what = error.message.split('\n')[0]?.replace(/^Invalid TOML document: /, '') ?? 'invalid TOML';
  if (/unsafe property/.test(what)) {
    return fileProblem('a key or table may not be named "constructor", "prototype" or "__proto__" (they would reach JavaScript\'s built-in objects)', error.line);
  }
  return fileProblem(`TOML syntax error at column ${error.column}: ${what}`, error.line);
}

export function parsePolicy(tomlText: string): PolicyResult {
  if (typeof tomlText !== 'string') return fileProblem('the policy must be TOML text');
  if (tomlText.length > MAX_POLICY_CHARS) return fileProblem(`the policy file is larger than ${MAX_POLICY_CHARS} characters`);
  let document: unknown;
  try {
    // 'throw' refuses __proto__ / constructor keys with their line, before any value is read.
    document = parse(tomlText, { unsafeKeyBehaviour: 'throw' });
  } catch (error) {
    return syntaxProblem(error);
  }
  const reader = new PolicyReader(tomlText);
  const defaults = defaultPolicy();
  const root = reader.table([], document, ['proxy', 'services', 'custom'], ' (services go under [services.NAME] or [custom.NAME])');
  const services = root.child('services', ['openai', 'anthropic', 'binance'], ' (other services go under [custom.NAME])');
  const policy = {
    proxy: readProxy(root.child('proxy', PROXY_KEYS), defaults.proxy),
    services: {
      openai: readBuiltinService(services.child('openai', BUILTIN_SERVICE_KEYS), defaults.services.openai),
      anthropic: readBuiltinService(services.child('anthropic', BUILTIN_SERVICE_KEYS), defaults.services.anthropic),
      binance: readBinance(services.child('binance', BINANCE_KEYS), defaults.services.binance),
    },
    custom: readCustomServices(reader, root.raw('custom')),
  };
  const problems = reader.problems();
  return problems.length === 0 ? { ok: true, policy } : { ok: false, errors: problems };
}

/** One line per problem, e.g. `line 12, custom.github.rate_limit: must be an integer from 1 to 1000000`. */
export function formatPolicyProblem(problem: PolicyProblem): string {
  const where = [problem.line === null ? '' : `line ${problem.line}`, problem.field].filter(Boolean).join(', ');
  return where ? `${where}: ${problem.message}` : problem.message;
}

/** The catalogue error for a refused policy; its detail lists every problem. */
export function policyInvalidError(problems: readonly PolicyProblem[]): KeygateError {
  return new KeygateError('POLICY_INVALID', problems.map(formatPolicyProblem).join('; '));
}
