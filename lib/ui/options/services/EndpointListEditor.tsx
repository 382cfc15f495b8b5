import type { FieldSpec, FieldValue } from '../../../policy/policy-form';

interface EndpointListEditorProps {
  spec: FieldSpec;
  /** null = the key is not set (for allowed_endpoints: no allow-list at all). */
  items: string[] | null;
  invalid: boolean;
  onChange: (value: FieldValue) => void;
}

/** A list of `"METHOD /path"` patterns, one per line, added and removed one at a time. */
export function EndpointListEditor({ spec, items, invalid, onChange }: EndpointListEditorProps) {
  const optional = spec.kind === 'optional-list';
  const list = items ?? [];
  const set = (index: number, text: string) => onChange(list.map((item, at) => (at === index ? text : item)));
  return (
    <div class="list-editor" data-testid={`field-${spec.key}`}>
      {optional && (
        <label class="checkbox">
          <input type="checkbox" checked={items !== null} onChange={(e) => onChange(e.currentTarget.checked ? [] : null)} data-testid={`field-${spec.key}-enabled`} />
          Refuse every endpoint not listed here
        </label>
      )}
      {items === null ? (
        <p class="in-force">Default in force: {spec.inForce}</p>
      ) : (
        <>
          {list.length === 0 && <p class="in-force">{optional ? 'Empty: every request is refused.' : 'None.'}</p>}
          <ul>
            {list.map((item, index) => (
              <li key={index}>
                <input class="code" value={item} aria-invalid={invalid} aria-label={`${spec.label} ${index + 1}`} onInput={(e) => set(index, e.currentTarget.value)} data-testid="list-item" />
                <button type="button" aria-label={`Remove ${item}`} onClick={() => onChange(list.filter((_, at) => at !== index))}>
                  Remove
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {(items !== null || !optional) && (
        <button type="button" onClick={() => onChange([...list, ''])} data-testid="list-add">
          Add pattern
        </button>
      )}
    </div>
  );
}
