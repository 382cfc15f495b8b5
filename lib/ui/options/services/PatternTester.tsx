import { useState } from 'preact/hooks';
import { endpointDecision } from '../../../../shared/policy/endpoint-match';
import { parseEndpointPattern } from '../../../../shared/policy/endpoint-pattern';
import type { EndpointPattern } from '../../../../shared/policy/policy-types';
import type { SectionForm } from '../../../policy/policy-form';

/** The patterns of a list field that parse; a broken one is already flagged under its field. */
function patterns(value: SectionForm[string] | undefined): EndpointPattern[] | null {
  if (!Array.isArray(value)) return null;
  return value.map(parseEndpointPattern).filter((pattern): pattern is EndpointPattern => typeof pattern !== 'string');
}

/**
 * "Would `DELETE /repos/a/b` be blocked?" answered by the proxy's own matcher over the lists as they
 * stand in the form (applied or not), so a rule can be tried before it is applied.
 */
export function PatternTester({ form, builtinRules }: { form: SectionForm; builtinRules?: string }) {
  const [request, setRequest] = useState('');
  const parts = /^(\S+)\s+(\/\S*)$/.exec(request.trim());
  let verdict: { text: string; blocked: boolean } | null = null;
  if (parts) {
    const decision = endpointDecision({ blockedEndpoints: patterns(form.blocked_endpoints) ?? [], allowedEndpoints: patterns(form.allowed_endpoints) }, parts[1]!, parts[2]!.split('?')[0]!);
    verdict = decision.allowed
      ? { text: 'Allowed by these rules.', blocked: false }
      : decision.reason === 'blocked'
        ? { text: `Blocked by "${decision.rule}".`, blocked: true }
        : { text: 'Refused: not in the allowed endpoints.', blocked: true };
  }
  return (
    <div class="tester wide">
      <label>
        Try a request against these rules
        <input class="code" value={request} placeholder="DELETE /repos/a/b" onInput={(e) => setRequest(e.currentTarget.value)} data-testid="pattern-tester-input" />
      </label>
      {request.trim() !== '' && parts === null && <p class="detail">Write it as METHOD /path, e.g. GET /v1/models.</p>}
      {verdict && (
        <p class={verdict.blocked ? 'warn' : 'ok'} data-testid="pattern-tester-verdict" data-blocked={String(verdict.blocked)}>
          {verdict.text}
        </p>
      )}
      {builtinRules && <p class="detail">{builtinRules}</p>}
    </div>
  );
}
