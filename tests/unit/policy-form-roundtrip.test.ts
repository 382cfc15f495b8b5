/**
 * The Services forms and the TOML view edit one policy: a form written into the document and read
 * back is the same form, and a form-written file read into forms and written back is the same text,
 * byte for byte. Property-based over a small seeded generator (fast-check is not installed); a
 * failure prints the seed and the case, so it can be replayed.
 */
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../shared/policy/parse-policy';
import {
  type FieldSpec,
  fieldProblems,
  isHandWritten,
  type PolicyDocument,
  readPolicyDocument,
  readSectionForm,
  type SectionForm,
  writePolicyDocument,
  writeSectionForm,
} from '../../lib/policy/policy-form';
import { BUILTIN_FORMS, customForm, PROXY_FORM, type ServiceFormSpec } from '../../lib/policy/service-form-fields';

/** mulberry32: tiny, fast, and the same sequence for the same seed everywhere. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const chance = (random: Random, p: number) => random() < p;

/** Characters TOML must escape or that tempt a sloppy writer: quotes, backslashes, newlines, unicode, '#'. */
const TEXT_ALPHABET = ['a', 'Z', '0', '/', ':', '.', '-', '*', ' ', '"', "'", '\\', '\n', '\t', '#', '=', '[', ']', 'é', '😀', '…'];

function randomText(random: Random, maxLength = 24): string {
  const length = Math.floor(random() * maxLength);
  return Array.from({ length }, () => pick(random, TEXT_ALPHABET)).join('');
}

function randomFieldValue(random: Random, spec: FieldSpec): SectionForm[string] {
  if (chance(random, 0.3)) return null;
  switch (spec.kind) {
    case 'boolean':
      return chance(random, 0.5);
    case 'choice':
      return chance(random, 0.9) ? pick(random, spec.choices!) : randomText(random);
    case 'integer':
      return chance(random, 0.85) ? String(Math.floor(random() * 2_000_000) - 1000) : randomText(random, 6);
    case 'amount':
      return chance(random, 0.85) ? String(Math.round(random() * 1e6) / 100) : randomText(random, 6);
    case 'list':
    case 'optional-list':
      return Array.from({ length: Math.floor(random() * 4) }, () =>
        chance(random, 0.7) ? `${pick(random, ['GET', 'DELETE', '*', 'post'])} /${randomText(random, 10).replace(/\s/g, '')}` : randomText(random),
      );
    case 'text':
      return chance(random, 0.6) ? pick(random, ['https://api.example.com', 'http://127.0.0.1:9', 'socks5://127.0.0.1:1080', 'Authorization', 'Bearer ', '']) : randomText(random);
  }
}

function randomForms(random: Random): Array<[ServiceFormSpec, SectionForm]> {
  const customs = Array.from({ length: Math.floor(random() * 3) }, () => customForm(`svc-${Math.floor(random() * 1000)}`));
  const forms = [...new Map([PROXY_FORM, ...BUILTIN_FORMS, ...customs].map((form) => [form.id, form])).values()];
  return forms.filter(() => chance(random, 0.7)).map((form) => [form, Object.fromEntries(form.fields.map((spec) => [spec.key, randomFieldValue(random, spec)]))]);
}

const RUNS = 300;

describe('Services forms ↔ TOML round trip (seeded property test)', () => {
  it('form → TOML → form gives the same form, and form-written TOML → forms → TOML gives the same text', () => {
    for (let seed = 1; seed <= RUNS; seed++) {
      const random = seededRandom(seed);
      const forms = randomForms(random);
      let document: PolicyDocument = {};
      for (const [spec, form] of forms) document = writeSectionForm(document, spec.path, spec.fields, form);
      const toml = writePolicyDocument(document);

      const reread = readPolicyDocument(toml);
      expect(reread.ok, `seed ${seed}: the written TOML parses`).toBe(true);
      if (!reread.ok) continue;
      for (const [spec, form] of forms) {
        expect(readSectionForm(reread.document, spec.path, spec.fields), `seed ${seed}, ${spec.id}\n${toml}`).toEqual(form);
      }

      let rewritten = reread.document;
      for (const [spec] of forms) rewritten = writeSectionForm(rewritten, spec.path, spec.fields, readSectionForm(rewritten, spec.path, spec.fields));
      expect(writePolicyDocument(rewritten), `seed ${seed}`).toBe(toml);
      expect(isHandWritten(toml), `seed ${seed}`).toBe(false);
    }
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

  it('says when a file is hand-written (comments, order, spacing) so the page can ask before rewriting it', () => {
    expect(isHandWritten('# my notes\n[proxy]\nport = 0\n')).toBe(true);
    expect(isHandWritten('[proxy]\nport=0\n')).toBe(true);
    expect(isHandWritten('[proxy]\nport = 0\n')).toBe(false);
    expect(isHandWritten('')).toBe(false);
  });
});
