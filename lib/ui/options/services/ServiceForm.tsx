import type { PolicyProblem } from '../../../../shared/policy/policy-types';
import { fieldProblems, type PolicyDocument, readSectionForm, sectionProblems, writeSectionForm } from '../../../policy/policy-form';
import type { ServiceFormSpec } from '../../../policy/service-form-fields';
import { FieldInput } from './FieldInput';
import { PatternTester } from './PatternTester';
import { PolicyProblemList } from './PolicyProblemList';

interface ServiceFormProps {
  spec: ServiceFormSpec;
  document: PolicyDocument;
  problems: readonly PolicyProblem[];
  onChange: (document: PolicyDocument) => void;
  onRemove?: () => void;
}

const BINANCE_BUILTIN_RULES =
  'Binance also forwards only its spot endpoints (read scope for GETs, trade for the rest) and never the fund-moving ones, whatever these lists say.';

/** One service's (or the proxy's) settings; every change rewrites the policy text at once. */
export function ServiceForm({ spec, document, problems, onChange, onRemove }: ServiceFormProps) {
  const form = readSectionForm(document, spec.path, spec.fields);
  const others = sectionProblems(problems, spec.path, spec.fields);
  return (
    <section class="card" data-testid="service-form" data-service={spec.id} aria-label={spec.title}>
      <div class="row">
        <h2>{spec.title}</h2>
        {onRemove && (
          <button type="button" onClick={onRemove} data-testid="remove-custom-service">
            Remove this API
          </button>
        )}
      </div>
      <PolicyProblemList id={`${spec.id}-problems`} problems={others} />
      <div class="form-grid">
        {spec.fields.map((field) => (
          <FieldInput
            key={field.key}
            spec={field}
            value={form[field.key] ?? null}
            problems={fieldProblems(problems, spec.path, field.key)}
            onChange={(value) => onChange(writeSectionForm(document, spec.path, spec.fields, { ...form, [field.key]: value }))}
          />
        ))}
        {spec.id !== 'proxy' && <PatternTester form={form} builtinRules={spec.id === 'binance' ? BINANCE_BUILTIN_RULES : undefined} />}
      </div>
    </section>
  );
}
