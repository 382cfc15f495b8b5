import type { ScopeChoice } from '../options/agent-scope-choices';

interface ScopeCheckboxesProps {
  choices: readonly ScopeChoice[];
  selected: ReadonlySet<string>;
  onToggle: (scope: string, checked: boolean) => void;
  legend?: string;
  testId?: string;
}

/** The selection after one checkbox changed. */
export function withScope(selected: ReadonlySet<string>, scope: string, checked: boolean): ReadonlySet<string> {
  return new Set(checked ? [...selected, scope] : [...selected].filter((kept) => kept !== scope));
}

export function ScopeCheckboxes({ choices, selected, onToggle, legend = 'Scopes (what the agent may call)', testId = 'agent-scope' }: ScopeCheckboxesProps) {
  return (
    <fieldset class="scopes">
      <legend>{legend}</legend>
      {choices.map(({ scope, description }) => (
        <label key={scope} class="checkbox">
          <input
            type="checkbox"
            value={scope}
            checked={selected.has(scope)}
            onChange={(e) => onToggle(scope, e.currentTarget.checked)}
            data-testid={testId}
          />
          <code>{scope}</code> <span class="detail">{description}</span>
        </label>
      ))}
    </fieldset>
  );
}
