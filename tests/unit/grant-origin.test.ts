import { describe, expect, it } from 'vitest';
import { createKeygateClient, keygateExtensionId } from '../../client/keygate-client';
import { pageScriptRegistrations } from '../../lib/grants/page-scripts';
import { siteMatchPattern } from '../../lib/grants/site-permission';
import { type GrantRecord, isGrantRecord, normaliseGrantOrigin } from '../../shared/grants/grant-record';
import { DEFAULT_EXTENSION_ID, GECKO_EXTENSION_ID } from '../../shared/identity';

const origin = (typed: string) => {
  const result = normaliseGrantOrigin(typed);
  return result.ok ? result.origin : `refused: ${result.reason}`;
};

describe('grant origins: what a person types → the one origin granted', () => {
  it('lower-cases scheme and host, drops default ports and a bare trailing slash', () => {
    expect(origin('HTTPS://App.Example.COM')).toBe('https://app.example.com');
    expect(origin('https://app.example:443/')).toBe('https://app.example');
    expect(origin('http://localhost:80')).toBe('http://localhost');
    expect(origin(' https://app.example:8443 ')).toBe('https://app.example:8443');
    expect(origin('http://[::1]:3000')).toBe('http://[::1]:3000');
    expect(origin('http://127.0.0.1:5173/')).toBe('http://127.0.0.1:5173');
  });

  it('keeps ports apart: localhost:3000 is not localhost:3001', () => {
    expect(origin('http://localhost:3000')).not.toBe(origin('http://localhost:3001'));
  });

  it('refuses paths, queries, fragments, wildcards, credentials, other schemes and plain http off loopback', () => {
    for (const typed of ['https://app.example/chat', 'https://app.example/?a=1', 'https://app.example/#x', 'https://*.example', '*', 'https://u:p@app.example', 'ftp://app.example', 'file:///tmp', 'http://app.example', 'http://192.168.1.2:3000', 'app.example', '']) {
      expect(origin(typed)).toMatch(/^refused: /);
    }
  });

  it('a stored grant whose subject is not already normalised is not a grant', () => {
    const grant: GrantRecord = { id: 'grant-0000000000000001', kind: 'site', subject: 'https://app.example', scopes: ['openai'], createdAt: 0, expiresAt: null, enabled: true, lastUsedAt: null };
    expect(isGrantRecord(grant)).toBe(true);
    expect(isGrantRecord({ ...grant, subject: 'https://APP.example' })).toBe(false);
    expect(isGrantRecord({ ...grant, subject: 'https://app.example/path' })).toBe(false);
  });
});

describe('what differs in Firefox', () => {
  const grant = (subject: string): GrantRecord => ({ id: `g-${subject.length}-000000000000`, kind: 'site', subject, scopes: ['openai'], createdAt: 0, expiresAt: null, enabled: true, lastUsedAt: null });

  it('match patterns: Chromium names the port, Firefox cannot', () => {
    expect(siteMatchPattern('http://localhost:3000', 'chromium')).toBe('http://localhost:3000/*');
    expect(siteMatchPattern('http://localhost:3000', 'firefox')).toBe('http://localhost/*');
    expect(siteMatchPattern('https://app.example', 'firefox')).toBe('https://app.example/*');
  });

  it('both register an isolated relay and a MAIN-world API script, only for usable site grants', () => {
    const grants = [grant('http://localhost:3000'), grant('http://localhost:3001'), { ...grant('https://off.example'), enabled: false }, { ...grant('https://old.example'), expiresAt: 5 }];
    const firefox = pageScriptRegistrations(grants, 10, 'firefox');
    expect(firefox.map((script) => [script.world ?? 'ISOLATED', script.matches])).toEqual([
      ['ISOLATED', ['http://localhost/*']],
      ['MAIN', ['http://localhost/*']],
    ]);
    expect(pageScriptRegistrations(grants, 10, 'chromium')[1]!.matches).toEqual(['http://localhost:3000/*', 'http://localhost:3001/*']);
    expect(pageScriptRegistrations([], 10, 'chromium')).toEqual([]);
  });

  it('the client module finds Keygate by the published id of the browser it runs in', () => {
    const chromium = { connect: () => undefined as never, sendMessage: async () => undefined };
    const firefox = { ...chromium, getBrowserInfo: () => undefined };
    expect(keygateExtensionId(chromium)).toBe(DEFAULT_EXTENSION_ID);
    expect(keygateExtensionId(firefox)).toBe(GECKO_EXTENSION_ID);
    const connected: Array<[string, string]> = [];
    const client = createKeygateClient({
      runtime: {
        getBrowserInfo: () => undefined,
        sendMessage: async () => undefined,
        connect: (id, { name }) => {
          connected.push([id, name]);
          return { postMessage: () => undefined, disconnect: () => undefined, onMessage: { addListener: () => undefined }, onDisconnect: { addListener: () => undefined } };
        },
      },
    });
    void client.fetch('/openai/v1/models');
    expect(connected).toEqual([[GECKO_EXTENSION_ID, 'keygate']]);
  });
});
