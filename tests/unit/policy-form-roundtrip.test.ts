/**
 * The Services forms and the TOML view edit one policy: any form written into the document and read
 * back is the same form, and any document's sections read into forms and written back give the same
 * document and the same TOML text, byte for byte. Property-based with fast-check (it shrinks a failure
 * to its smallest case and prints the seed to replay it).
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { customServiceNameProblem } from '../../shared/policy/service-sections';
import { parsePolicy } from '../../shared/policy/parse-policy';
import {
  type FieldSpec,
  fieldProblems,
  isHandWritten,
  type PolicyDocument,
  readPolicyDocument,
  readSectionForm,
  type SectionForm,
  tomlValueOf,
  writePolicyDocument,
  writeSectionForm,
} from '../../lib/policy/policy-form';
import { BUILTIN_FORMS, customForm, PROXY_FORM, type ServiceFormSpec } from '../../lib/policy/service-form-fields';

/** Any text a person could type or paste: every code point, quotes, backslashes, newlines, '#'. */
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom('', '"', "'", '\\', '\n', '#', '[a]', 'Bearer ', 'DELETE /repos/*'));

/** What a form field can hold: the field's own kind of value, or stray text (a value of the wrong type). */
function formValue(spec: FieldSpec): fc.Arbitrary<SectionForm[string]> {
  const own: Record<FieldSpec['kind'], fc.Arbitrary<SectionForm[string]>> = {
    boolean: fc.boolean(),
    choice: fc.constantFrom(...(spec.choices ?? [''])),
    integer: fc.oneof(fc.integer({ min: -2_000_000, max: 2_000_000 }).map(String), anyText),
    amount: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }).map(String), anyText),
    list: fc.array(anyText, { maxLength: 4 }),
    'optional-list': fc.array(anyText, { maxLength: 4 }),
    text: anyText,
  };
  return fc.oneof(fc.constant(null), own[spec.kind], anyText);
}

const sectionForm = (spec: ServiceFormSpec) => fc.record(Object.fromEntries(spec.fields.map((field) => [field.key, formValue(field)])) as Record<string, fc.Arbitrary<SectionForm[string]>>);

/** Some of the proxy, built-in and custom forms (custom names as the parser allows them), each filled in. */
const filledForms = fc
  .tuple(fc.uniqueArray(fc.stringMatching(/^[a-z0-9-]{1,12}$/).filter((name) => customServiceNameProblem(name) === null), { maxLength: 3 }), fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }))
  .chain(([customNames, chosen]) => {
    const specs = [PROXY_FORM, ...BUILTIN_FORMS, ...customNames.map(customForm)].filter((_, index) => chosen[index % chosen.length]);
    return fc.tuple(...specs.map((spec) => sectionForm(spec).map((form) => [spec, form] as [ServiceFormSpec, SectionForm])));
  });

describe('Services forms ↔ TOML round trip', () => {
  test.prop([filledForms], { numRuns: 300 })('form → TOML → form gives the same form, and TOML → forms → TOML the same text', (forms) => {
    let document: PolicyDocument = {};
    for (const [spec, form] of forms) document = writeSectionForm(document, spec.path, spec.fields, form);
    const toml = writePolicyDocument(document);

    const reread = readPolicyDocument(toml);
    expect(reread.ok).toBe(true);
    if (!reread.ok) return;
    for (const [spec, form] of forms) expect(readSectionForm(reread.document, spec.path, spec.fields)).toEqual(form);

    let rewritten = reread.document;
    for (const [spec] of forms) rewritten = writeSectionForm(rewritten, spec.path, spec.fields, readSectionForm(rewritten, spec.path, spec.fields));
    expect(writePolicyDocument(rewritten)).toBe(toml);
    expect(isHandWritten(toml)).toBe(false);
  });

  it('a form edit changes only its key; the policy parser judges the value and names the field', () => {
    const toml = '[services.openai]\nbase_url = "https://api.example.com"\nrotation = "round_robin"\n\n[custom.github]\nbase_url = "https://api.github.com"\nauth_header = "Authorization"\n';
    const read = readPolicyDocument(toml);
    if (!read.ok) throw new Error('fixture does not parse');
    const openai = BUILTIN_FORMS[0]!;
    const form = readSectionForm(read.document, openai.path, openai.fields);
    const edited = writePolicyDocument(writeSectionForm(read.document, openai.path, openai.fields, { ...form, rate_limit: '0' }));
    expect(edited).toBe(toml.replace('rotation = "round_robin"\n', 'rotation = "round_robin"\nrate_limit = 0\n'));
    const parsed = parsePolicy(edited);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(fieldProblems(parsed.errors, openai.path, 'rate_limit')).toEqual(['must be an integer from 1 to 1000000']);

    const fixed = writePolicyDocument(writeSectionForm(read.document, openai.path, openai.fields, { ...form, rate_limit: '2', rate_limit_window_seconds: '60' }));
    const policy = parsePolicy(fixed);
    expect(policy.ok && policy.policy.services.openai.rateLimit).toEqual({ limit: 2, windowSeconds: 60 });
  });

  it('turns only a number’s own spelling into a number, so a field shows back what is being typed', () => {
    const amount = BUILTIN_FORMS[2]!.fields.find((field) => field.key === 'max_order_value_usd')!;
    expect(tomlValueOf(amount, '1.5')).toBe(1.5);
    expect(tomlValueOf(amount, '1.')).toBe('1.');
    expect(tomlValueOf(amount, '05')).toBe('05');
    expect(tomlValueOf(amount, null)).toBeUndefined();
  });

  it('says when a file is hand-written (comments, order, spacing) so the page can ask before rewriting it', () => {
    expect(isHandWritten('# my notes\n[proxy]\nport = 0\n')).toBe(true);
    expect(isHandWritten('[proxy]\nport=0\n')).toBe(true);
    expect(isHandWritten('[proxy]\nport = 0\n')).toBe(false);
    expect(isHandWritten('')).toBe(false);
  });
});
