import type { ScopeChoice } from '../options/agent-scope-choices';

interface ScopeCheckboxesProps {
  choices: readonly ScopeChoice[];
  selected: ReadonlySet<string>;
  onToggle: (scope: string, checked: boolean) => void;
  testId?: string;
}

export function ScopeCheckboxes({ choices, selected, onToggle, testId = 'agent-scope' }: ScopeCheckboxesProps) {
  return (
    <fieldset class="scopes">
      <legend>Scopes (what the agent may call)</legend>
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
