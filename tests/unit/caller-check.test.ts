import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_EXTENSION_ID, EXTENSION_PUBLIC_KEY, GECKO_EXTENSION_ID } from '../../shared/identity';
import { allowedExtensionIds, isAllowedCaller, parseCaller } from '../../native-host/src/native/caller';

const OTHER_ID = 'abcdefghijklmnopabcdefghijklmnop';

describe('native host caller check', () => {
  it('derives the pinned extension id from the manifest key the way Chromium does', () => {
    const digest = createHash('sha256').update(Buffer.from(EXTENSION_PUBLIC_KEY, 'base64')).digest('hex');
    const id = [...digest.slice(0, 32)].map((hex) => String.fromCharCode(97 + parseInt(hex, 16))).join('');
    expect(id).toBe(DEFAULT_EXTENSION_ID);
  });

  it('reads the Chromium origin argument, with or without the Windows parent-window flag', () => {
    expect(parseCaller([`chrome-extension://${DEFAULT_EXTENSION_ID}/`])).toEqual({
      browser: 'chromium',
      extensionId: DEFAULT_EXTENSION_ID,
      origin: `chrome-extension://${DEFAULT_EXTENSION_ID}/`,
    });
    expect(parseCaller([`chrome-extension://${DEFAULT_EXTENSION_ID}/`, '--parent-window=0'])?.extensionId).toBe(DEFAULT_EXTENSION_ID);
  });

  it("reads Firefox's manifest-path and add-on id arguments", () => {
    expect(parseCaller(['/home/u/.mozilla/native-messaging-hosts/dev.keygate.host.json', GECKO_EXTENSION_ID])).toEqual({
      browser: 'firefox',
      extensionId: GECKO_EXTENSION_ID,
      manifestPath: '/home/u/.mozilla/native-messaging-hosts/dev.keygate.host.json',
    });
  });

  it.each([
    [[]],
    [['chrome-extension://short/']],
    [[`chrome-extension://${DEFAULT_EXTENSION_ID}`]],
    [[`chrome-extension://${DEFAULT_EXTENSION_ID}/evil`]],
    [[`https://${DEFAULT_EXTENSION_ID}/`]],
    [['/tmp/manifest.json']],
    [['/tmp/manifest.json', 'not an id']],
  ])('refuses arguments that name no caller: %j', (args) => {
    expect(isAllowedCaller(parseCaller(args), [DEFAULT_EXTENSION_ID, GECKO_EXTENSION_ID])).toBe(false);
  });

  it('allows only the ids the installer wrote into the wrapper', () => {
    const allowed = allowedExtensionIds(` ${OTHER_ID} , ${GECKO_EXTENSION_ID}`, [DEFAULT_EXTENSION_ID]);
    expect(allowed).toEqual([OTHER_ID, GECKO_EXTENSION_ID]);
    expect(isAllowedCaller(parseCaller([`chrome-extension://${OTHER_ID}/`]), allowed)).toBe(true);
    expect(isAllowedCaller(parseCaller([`chrome-extension://${DEFAULT_EXTENSION_ID}/`]), allowed)).toBe(false);
  });

  it('falls back to Keygate’s own ids when the wrapper sets none', () => {
    expect(allowedExtensionIds(undefined, [DEFAULT_EXTENSION_ID])).toEqual([DEFAULT_EXTENSION_ID]);
    expect(allowedExtensionIds(' , ', [DEFAULT_EXTENSION_ID])).toEqual([DEFAULT_EXTENSION_ID]);
  });
});
