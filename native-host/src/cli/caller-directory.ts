/**
 * `npm run host -- vault init --file vault.json` runs in the checkout, but the person wrote the
 * path in their own directory. npm names that directory in INIT_CWD; commands run from there, so
 * every relative path (--file, --vault, --policy, --data-dir, --manifest-dir, …) means what it
 * meant where it was typed. The browser's host never gets here (it has no INIT_CWD and no paths).
 */
export function enterCallerDirectory(env: Readonly<Record<string, string | undefined>>, chdir: (directory: string) => void = process.chdir): void {
  const callerDirectory = env.INIT_CWD;
  if (callerDirectory === undefined || callerDirectory === '') return;
  chdir(callerDirectory);
}
