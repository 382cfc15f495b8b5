/**
 * Who started the host. Chromium passes the caller's origin (`chrome-extension://ID/`) as the first
 * argument (plus `--parent-window=N` on Windows); Firefox passes the manifest path and then the
 * add-on id. The browser already enforces the manifest's allow-list; checking again here keeps a
 * hand-edited or shared manifest from exposing the vault to another extension.
 */
export type Caller =
  | { browser: 'chromium'; extensionId: string; origin: string }
  | { browser: 'firefox'; extensionId: string; manifestPath: string };

const CHROMIUM_ORIGIN = /^chrome-extension:\/\/([a-p]{32})\/$/;
const GECKO_ID = /^(?:[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+|\{[0-9a-fA-F-]{36}\})$/;

/** Reads the caller from the browser-supplied arguments; null when they fit neither form. */
export function parseCaller(browserArgs: readonly string[]): Caller | null {
  const [first, second] = browserArgs;
  if (first === undefined) return null;
  const chromium = CHROMIUM_ORIGIN.exec(first);
  if (chromium?.[1] !== undefined) return { browser: 'chromium', extensionId: chromium[1], origin: first };
  if (second !== undefined && first.endsWith('.json') && GECKO_ID.test(second)) {
    return { browser: 'firefox', extensionId: second, manifestPath: first };
  }
  return null;
}

/** The extension ids the installer allowed, from the wrapper's environment, else the defaults. */
export function allowedExtensionIds(envValue: string | undefined, defaults: readonly string[]): string[] {
  const fromEnv = (envValue ?? '').split(',').map((id) => id.trim()).filter(Boolean);
  return fromEnv.length > 0 ? fromEnv : [...defaults];
}

export function isAllowedCaller(caller: Caller | null, allowedIds: readonly string[]): caller is Caller {
  return caller !== null && allowedIds.includes(caller.extensionId);
}
