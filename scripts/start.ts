/**
 * `npm start`: opens Chromium with Keygate loaded and the host registered in a dedicated profile
 * (.keygate/chromium-profile), then waits until the browser window is closed.
 */
import { join } from 'node:path';
import { launchKeygateBrowser } from './keygate-browser';
import { REPO_ROOT } from './paths';

if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  console.error('No display found. Run `npm start` in a desktop session (or under `xvfb-run npm start`).');
  process.exit(1);
}

const root = join(REPO_ROOT, '.keygate');
const keygate = await launchKeygateBrowser({ root, headless: false });
const [firstTab] = await keygate.browser.pages();
await keygate.openExtensionPage('popup.html', firstTab);
console.log(`Keygate is running: extension ${keygate.extensionId}, profile ${keygate.profileDir}.`);
console.log('Pin the Keygate icon from the extensions menu to open the popup. Close the window to stop.');
await new Promise((resolve) => keygate.browser.once('disconnected', resolve));
