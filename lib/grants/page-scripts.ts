/**
 * Which pages get `window.keygate`: exactly the origins of usable site grants. The two scripts
 * (an isolated-world relay and the main-world API) are registered at run time, never in the
 * manifest, so an origin without a grant never sees them, and revoking one takes effect at the next
 * page load without an update of the extension.
 */
import { type GrantRecord, grantUsable } from '../../shared/grants/grant-record';
import { type BrowserFamily, siteMatchPattern } from './site-permission';

export const PAGE_RELAY_SCRIPT_ID = 'keygate-page-relay';
export const PAGE_API_SCRIPT_ID = 'keygate-page-api';
/** Built by WXT from entrypoints/keygate-relay.ts and entrypoints/keygate-page.ts (unlisted scripts). */
export const PAGE_RELAY_SCRIPT_FILE = 'keygate-relay.js';
export const PAGE_API_SCRIPT_FILE = 'keygate-page.js';

export interface PageScriptRegistration {
  id: string;
  matches: string[];
  js: string[];
  runAt: 'document_start';
  world?: 'MAIN';
}

export interface ScriptingApi {
  getRegisteredContentScripts(filter?: { ids?: string[] }): Promise<Array<{ id: string }>>;
  registerContentScripts(scripts: PageScriptRegistration[]): Promise<void>;
  unregisterContentScripts(filter?: { ids?: string[] }): Promise<void>;
}

/** The registrations the grants call for (none when no site grant is usable). */
export function pageScriptRegistrations(grants: readonly GrantRecord[], now: number, browser: BrowserFamily): PageScriptRegistration[] {
  const origins = grants.filter((grant) => grant.kind === 'site' && grantUsable(grant, now) === 'ok').map((grant) => grant.subject);
  const matches = [...new Set(origins.map((origin) => siteMatchPattern(origin, browser)))].sort();
  if (matches.length === 0) return [];
  // The relay first: the page API waits for it anyway, but a relay already listening saves a round.
  return [
    { id: PAGE_RELAY_SCRIPT_ID, matches, js: [PAGE_RELAY_SCRIPT_FILE], runAt: 'document_start' },
    { id: PAGE_API_SCRIPT_ID, matches, js: [PAGE_API_SCRIPT_FILE], runAt: 'document_start', world: 'MAIN' },
  ];
}

/** Keeps the browser's registered scripts equal to what the grants call for; updates run one at a time. */
export class PageScripts {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly scripting: ScriptingApi,
    private readonly browser: BrowserFamily,
  ) {}

  sync(grants: readonly GrantRecord[], now: number): Promise<void> {
    const wanted = pageScriptRegistrations(grants, now, this.browser);
    this.queue = this.queue.catch(() => undefined).then(() => this.replace(wanted));
    return this.queue;
  }

  private async replace(wanted: PageScriptRegistration[]): Promise<void> {
    const ids = [PAGE_RELAY_SCRIPT_ID, PAGE_API_SCRIPT_ID];
    const registered = await this.scripting.getRegisteredContentScripts({ ids });
    if (registered.length > 0) await this.scripting.unregisterContentScripts({ ids: registered.map((script) => script.id) });
    if (wanted.length > 0) await this.scripting.registerContentScripts(wanted);
  }
}
