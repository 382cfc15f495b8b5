import type { FieldSpec, FieldValue } from '../../../policy/policy-form';
import { EndpointListEditor } from './EndpointListEditor';

interface FieldInputProps {
  spec: FieldSpec;
  value: FieldValue;
  problems: string[];
  onChange: (value: FieldValue) => void;
}

/**
 * One policy key as a form field. An empty field means "not set": the default applies, and the
 * field says which value that is. The shared parser's messages for the key appear under it.
 */
export function FieldInput({ spec, value, problems, onChange }: FieldInputProps) {
  const id = `field-${spec.key}`;
  const invalid = problems.length > 0;
  const isList = spec.kind === 'list' || spec.kind === 'optional-list';
  const text = typeof value === 'string' ? value : typeof value === 'boolean' ? String(value) : '';
  let control;
  if (isList) {
    control = <EndpointListEditor spec={spec} items={Array.isArray(value) ? value : null} invalid={invalid} onChange={onChange} />;
  } else if (spec.kind === 'choice' || spec.kind === 'boolean') {
    const choices = spec.kind === 'boolean' ? ['true', 'false'] : (spec.choices ?? []);
    control = (
      <select
        id={id}
        value={value === null ? '' : text}
        aria-invalid={invalid}
        onChange={(e) => {
          const picked = e.currentTarget.value;
          onChange(picked === '' ? null : spec.kind === 'boolean' ? picked === 'true' : picked);
        }}
        data-testid={id}
      >
        <option value="">default ({spec.inForce})</option>
        {choices.map((choice) => (
          <option key={choice} value={choice}>
            {choice}
          </option>
        ))}
        {value !== null && !choices.includes(text) && <option value={text}>{text}</option>}
      </select>
    );
  } else {
    control = (
      <input
        id={id}
        value={text}
        inputMode={spec.kind === 'text' ? undefined : 'decimal'}
        placeholder={spec.inForce}
        aria-invalid={invalid}
        onInput={(e) => onChange(e.currentTarget.value === '' ? null : e.currentTarget.value)}
        data-testid={id}
      />
    );
  }
  return (
    <div class={isList ? 'wide' : undefined} data-field={spec.key}>
      <label for={isList ? undefined : id}>{spec.label}</label>
      {control}
      {value === null && !isList && <p class="in-force">Default in force: {spec.inForce}</p>}
      {spec.help && <p class="in-force">{spec.help}</p>}
      {problems.map((problem) => (
        <p key={problem} class="field-problem" role="alert" data-testid="field-problem" data-field={spec.key}>
          {problem}
        </p>
      ))}
    </div>
  );
}
