/** The scopes an agent key or a grant holds, as a row of labels. */
export function ScopePills({ scopes }: { scopes: readonly string[] }) {
  return (
    <div>
      {scopes.map((scope) => (
        <code key={scope} class="pill">
          {scope}
        </code>
      ))}
    </div>
  );
}
