import { homedir } from 'node:os';
import { isHostPlatform, keygateDataDir } from '../install/browser-locations';

/** The installer's wrapper names the data directory; without it, the platform's default. */
export function hostDataDir(env: Readonly<Record<string, string | undefined>>): string {
  if (env.KEYGATE_DATA_DIR) return env.KEYGATE_DATA_DIR;
  if (!isHostPlatform(process.platform)) throw new Error(`Unsupported platform: ${process.platform}.`);
  return keygateDataDir({ platform: process.platform, home: homedir(), env });
}
