import type { PolicyProblem } from '../../../../shared/policy/parse-policy';

/** `line 12 · custom.github.rate_limit: must be an integer…`; a whole-file problem has no field. */
function describeProblem({ line, field, message }: PolicyProblem): string {
  return `${line === null ? '' : `line ${line} · `}${field === '' ? '' : `${field}: `}${message}`;
}

export function PolicyProblemList({ id, problems }: { id: string; problems: readonly PolicyProblem[] }) {
  if (problems.length === 0) return null;
  return (
    <ul class="problems" id={id} aria-label="Problems in the policy">
      {problems.map((problem, index) => (
        <li key={index} data-testid="policy-problem" data-line={problem.line ?? ''} data-field={problem.field}>
          {describeProblem(problem)}
        </li>
      ))}
    </ul>
  );
}
