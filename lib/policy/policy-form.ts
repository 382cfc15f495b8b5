/**
 * The Services forms' model: which TOML keys each form edits, how a form value becomes a TOML value
 * and back, and how a form edit changes the policy document. The forms and the TOML view edit the
 * same text: a form reads the parsed document and writes it back with smol-toml's `stringify`, so
 * both always describe one policy, and every value is judged by the one shared parser (parsePolicy),
 * whose problems are shown under the field they name.
 *
 * Values the form cannot turn into the right TOML type (a rate limit of "ten") are written as the
 * text typed, so the parser reports them with its own message instead of the form hiding them.
 */
import { parse, stringify } from 'smol-toml';
import type { PolicyProblem } from '../../shared/policy/policy-types';

export type FieldKind = 'text' | 'integer' | 'amount' | 'boolean' | 'choice' | 'list' | 'optional-list';

export interface FieldSpec {
  key: string;
  label: string;
  kind: FieldKind;
  choices?: readonly string[];
  /** What applies when the key is absent, in words ("https://api.openai.com", "no limit"). */
  inForce: string;
  help?: string;
}

/**
 * A form value: text for inputs, a flag for checkboxes, items for lists; null = key absent (its
 * default applies). An emptied input is null, so `""` only ever comes from the file itself.
 */
export type FieldValue = string | boolean | string[] | null;

export type PolicyDocument = Record<string, unknown>;

/** Where a form's table sits: ['proxy'], ['services', 'openai'], ['custom', 'github']. */
export type SectionPath = readonly string[];

export type SectionForm = Record<string, FieldValue>;

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** A TOML value as the form shows it. */
export function fieldValueOf(spec: FieldSpec, value: unknown): FieldValue {
  if (value === undefined) return null;
  switch (spec.kind) {
    case 'boolean':
      return typeof value === 'boolean' ? value : String(value);
    case 'list':
    case 'optional-list':
      // A non-list stays as it is written, so the parser's "must be an array" shows under the field.
      return Array.isArray(value) ? value.map((item) => (typeof item === 'string' ? item : String(item))) : String(value);
    default:
      return typeof value === 'string' ? value : String(value);
  }
}

/** A form value as TOML writes it; undefined removes the key (its default applies). */
export function tomlValueOf(spec: FieldSpec, value: FieldValue): unknown {
  if (value === null) return undefined;
  if (Array.isArray(value) || typeof value === 'boolean') return value;
  // Only a number's own spelling becomes a number ("1.5", not "1." or "05"): the field shows back
  // exactly what was typed while typing, and any other text reaches the parser, which says why not.
  if ((spec.kind === 'integer' || spec.kind === 'amount') && String(Number(value)) === value) return Number(value);
  return value;
}

export function sectionTable(document: PolicyDocument, path: SectionPath): Record<string, unknown> | undefined {
  let table: unknown = document;
  for (const part of path) {
    if (!isTable(table)) return undefined;
    table = table[part];
  }
  return isTable(table) ? table : undefined;
}

export function readSectionForm(document: PolicyDocument, path: SectionPath, specs: readonly FieldSpec[]): SectionForm {
  const table = sectionTable(document, path) ?? {};
  return Object.fromEntries(specs.map((spec) => [spec.key, fieldValueOf(spec, table[spec.key])]));
}

/**
 * The document with one section's form written in: the form's keys set or removed, other keys of
 * the table (and every other table) left exactly as they were. An emptied table is removed, so the
 * file does not collect empty `[services.x]` headers. Returns a new document; the input is untouched.
 */
export function writeSectionForm(document: PolicyDocument, path: SectionPath, specs: readonly FieldSpec[], form: SectionForm): PolicyDocument {
  const next = structuredClone(document);
  let parent: Record<string, unknown> = next;
  for (const part of path.slice(0, -1)) {
    if (!isTable(parent[part])) parent[part] = {};
    parent = parent[part] as Record<string, unknown>;
  }
  const name = path[path.length - 1]!;
  const table: Record<string, unknown> = isTable(parent[name]) ? (parent[name] as Record<string, unknown>) : {};
  for (const spec of specs) {
    const value = tomlValueOf(spec, form[spec.key] ?? null);
    if (value === undefined) delete table[spec.key];
    else table[spec.key] = value;
  }
  if (Object.keys(table).length > 0) parent[name] = table;
  else delete parent[name];
  return pruneEmptyTables(next, path.slice(0, -1));
}

function pruneEmptyTables(document: PolicyDocument, path: SectionPath): PolicyDocument {
  for (let depth = path.length; depth > 0; depth--) {
    const parent = sectionTable(document, path.slice(0, depth - 1));
    const key = path[depth - 1]!;
    if (parent !== undefined && isTable(parent[key]) && Object.keys(parent[key] as object).length === 0) delete parent[key];
  }
  return document;
}

export function removeSection(document: PolicyDocument, path: SectionPath): PolicyDocument {
  const next = structuredClone(document);
  const parent = sectionTable(next, path.slice(0, -1));
  if (parent !== undefined) delete parent[path[path.length - 1]!];
  return pruneEmptyTables(next, path.slice(0, -1));
}

export type DocumentRead = { ok: true; document: PolicyDocument } | { ok: false };

/** The TOML text as a document, or not ok when it is not TOML at all (the TOML view shows why). */
export function readPolicyDocument(toml: string): DocumentRead {
  try {
    return { ok: true, document: parse(toml, { unsafeKeyBehaviour: 'throw' }) as PolicyDocument };
  } catch {
    return { ok: false };
  }
}

export function writePolicyDocument(document: PolicyDocument): string {
  return stringify(document);
}

/**
 * Whether a form edit would rewrite the text in more than the changed key: comments, key order,
 * spacing, quoting. The page asks before it loses any of that.
 */
export function isHandWritten(toml: string): boolean {
  const read = readPolicyDocument(toml);
  return read.ok && toml.trim() !== '' && writePolicyDocument(read.document) !== toml;
}

/** The parser's problems for one field of one section (`services.openai.rate_limit`). */
export function fieldProblems(problems: readonly PolicyProblem[], path: SectionPath, key: string): string[] {
  const field = [...path, key].join('.');
  return problems.filter((problem) => problem.field === field).map((problem) => problem.message);
}

/** Problems about the section itself or keys no form field shows (unknown keys, a bad table). */
export function sectionProblems(problems: readonly PolicyProblem[], path: SectionPath, specs: readonly FieldSpec[]): PolicyProblem[] {
  const prefix = path.join('.');
  const shown = new Set(specs.map((spec) => `${prefix}.${spec.key}`));
  return problems.filter((problem) => (problem.field === prefix || problem.field.startsWith(`${prefix}.`)) && !shown.has(problem.field));
}
