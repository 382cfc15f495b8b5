/** Finding and starting Debian's Chromium (no browser can be downloaded on these machines). */
import { existsSync } from 'node:fs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/Applications/Chromium.app/Contents/MacOS/Chromium'];

export function findChromium(): string {
  const found = [process.env.CHROME_PATH, ...CANDIDATES].find((path) => path && existsSync(path));
  if (!found) {
    throw new Error('Chromium not found. Install it (`sudo apt-get install -y chromium`) or set CHROME_PATH.');
  }
  return found;
}

/** Flags for an unattended Chromium on a closed network; root needs --no-sandbox. */
export function chromiumArgs(): string[] {
  const args = [
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--disable-gpu',
  ];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return args;
}
