/**
 * Stand-ins for the browser's permissions and scripting APIs, which are outside the unit: they keep
 * what Chromium keeps (granted origins, registered scripts), refuse what Chromium refuses
 * (removing a permission the manifest requires) and tell what Chromium tells (`onAdded` /
 * `onRemoved`, on a later task, for Keygate's own changes and for the user's in the browser's settings).
 */
import type { PageScriptRegistration, ScriptingApi } from '../../lib/grants/page-scripts';
import type { PermissionEvents, PermissionsApi } from '../../lib/grants/site-permission';

type PermissionListener = (permissions: { origins?: string[] }) => void;

class FakeEvent {
  private readonly listeners: PermissionListener[] = [];

  addListener(listener: PermissionListener): void {
    this.listeners.push(listener);
  }

  fire(origins: string[]): void {
    setTimeout(() => this.listeners.forEach((listener) => listener({ origins })), 0);
  }
}

/** A pattern without a port covers every port of its host, as in Chromium. */
function covers(held: string, wanted: string): boolean {
  if (held === wanted) return true;
  const heldUrl = new URL(held.replace('/*', '/'));
  const wantedUrl = new URL(wanted.replace('/*', '/'));
  return heldUrl.port === '' && heldUrl.protocol === wantedUrl.protocol && heldUrl.hostname === wantedUrl.hostname;
}

export class FakePermissions implements PermissionsApi, PermissionEvents {
  /** Origins the browser's prompt was shown for, and the user's answer to the next prompt. */
  readonly prompts: string[][] = [];
  readonly removed: string[][] = [];
  userAccepts = true;
  readonly onAdded = new FakeEvent();
  readonly onRemoved = new FakeEvent();
  private readonly granted = new Set<string>();

  constructor(private readonly required: readonly string[] = []) {}

  async request({ origins }: { origins: string[] }): Promise<boolean> {
    if (await this.contains({ origins })) return true;
    this.prompts.push(origins);
    if (!this.userAccepts) return false;
    for (const origin of origins) this.granted.add(origin);
    this.onAdded.fire(origins);
    return true;
  }

  async contains({ origins }: { origins: string[] }): Promise<boolean> {
    const held = [...this.required, ...this.granted];
    return origins.every((origin) => held.some((pattern) => covers(pattern, origin)));
  }

  async remove({ origins }: { origins: string[] }): Promise<boolean> {
    if (origins.some((origin) => this.required.some((pattern) => covers(pattern, origin)))) throw new Error('You cannot remove required permissions.');
    this.removed.push(origins);
    for (const origin of origins) this.granted.delete(origin);
    this.onRemoved.fire(origins);
    return true;
  }

  /** The user takes Keygate's access to these sites away (chrome://extensions → site access), not Keygate. */
  removeInBrowserSettings(origins: string[]): void {
    for (const origin of origins) this.granted.delete(origin);
    this.onRemoved.fire(origins);
  }

  /** The user gives it back there. */
  grantInBrowserSettings(origins: string[]): void {
    for (const origin of origins) this.granted.add(origin);
    this.onAdded.fire(origins);
  }
}

export class FakeScripting implements ScriptingApi {
  readonly registered = new Map<string, PageScriptRegistration>();

  async getRegisteredContentScripts(filter?: { ids?: string[] }): Promise<Array<{ id: string }>> {
    return [...this.registered.values()].filter((script) => filter?.ids === undefined || filter.ids.includes(script.id));
  }

  async registerContentScripts(scripts: PageScriptRegistration[]): Promise<void> {
    for (const script of scripts) {
      if (this.registered.has(script.id)) throw new Error(`Duplicate script ID '${script.id}'`);
      this.registered.set(script.id, script);
    }
  }

  async unregisterContentScripts(filter?: { ids?: string[] }): Promise<void> {
    for (const id of filter?.ids ?? [...this.registered.keys()]) this.registered.delete(id);
  }

  /** Match patterns that get a script in the given world ('ISOLATED' = the relay). */
  matchesIn(world: 'MAIN' | 'ISOLATED'): string[] {
    return [...this.registered.values()].filter((script) => (script.world ?? 'ISOLATED') === world).flatMap((script) => script.matches);
  }
}
