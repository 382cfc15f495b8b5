/**
 * `keygate-host doctor`: checks an installation end to end, up to starting the host the way a
 * browser would, and reports what to run next. The CLI parses arguments and prints the report.
 */
import { DEFAULT_EXTENSION_ID } from '../../../shared/identity';
import type { Browser, ManifestLocation } from './browser-locations';
import {
  checkAllowedCallers,
  checkHostAnswers,
  checkHostPath,
  checkManifest,
  checkRegistry,
  type DoctorCheck,
  type FindingLevel,
} from './doctor-checks';
import { checkedExtensionIds } from './host-manifest';
import { type HostLocationOptions, resolveInstallTargets } from './install-targets';

export interface DiagnoseHostOptions extends HostLocationOptions {
  /** The Chromium ids the manifests must allow (default: the extension's fixed id). */
  extensionIds?: readonly string[];
  probeTimeoutMs?: number;
}

export interface BrowserDiagnosis {
  browser: Browser;
  manifestPath: string;
  manifestFound: boolean;
  /** The executable the manifest names, when it names one. */
  hostPath?: string;
  /** The worst level among `checks`. */
  level: FindingLevel;
  checks: DoctorCheck[];
  hostVersion?: string;
  nextStep?: string;
}

const worst = (checks: readonly DoctorCheck[]): FindingLevel =>
  checks.some((c) => c.level === 'fail') ? 'fail' : checks.some((c) => c.level === 'warn') ? 'warn' : 'ok';

/** Runs the checks in order, stopping where a failure leaves nothing for the next one to check. */
async function diagnoseBrowser(
  location: ManifestLocation,
  options: DiagnoseHostOptions,
  extensionIds: readonly string[],
): Promise<BrowserDiagnosis> {
  const { browser, manifestPath } = location;
  const checks: DoctorCheck[] = [];
  const registry = options.platform === 'win32' ? await checkRegistry(location, options) : null;
  if (registry !== null) checks.push(registry);
  const done = (found: Pick<BrowserDiagnosis, 'manifestFound' | 'hostPath' | 'hostVersion'>): BrowserDiagnosis => ({
    browser,
    manifestPath,
    level: worst(checks),
    checks,
    ...found,
  });

  const { check, manifestFound, usable } = await checkManifest(manifestPath);
  checks.push(check);
  if (usable === undefined) return done({ manifestFound });
  const { manifest, hostPath } = usable;
  checks.push(checkAllowedCallers(browser, manifest, extensionIds));
  const pathCheck = await checkHostPath(hostPath, options);
  checks.push(pathCheck);
  if (pathCheck.level !== 'ok') return done({ manifestFound: true, hostPath });

  const answers = await checkHostAnswers(location, hostPath, extensionIds, { ...options, timeoutMs: options.probeTimeoutMs ?? 5000 });
  checks.push(answers.check);
  return done({ manifestFound: true, hostPath, hostVersion: answers.hostVersion });
}

function installCommand(browser: Browser, extensionIds: readonly string[]): string {
  const ids = extensionIds.filter((id) => id !== DEFAULT_EXTENSION_ID).map((id) => ` --extension-id ${id}`);
  return `keygate-host install --browser ${browser}${ids.join('')}`;
}

/**
 * Checks each browser's registration end to end. When every browser is checked, a browser without
 * a manifest only warns as long as another one is set up: most people use one browser.
 */
export async function diagnoseHost(options: DiagnoseHostOptions): Promise<BrowserDiagnosis[]> {
  const extensionIds = checkedExtensionIds(options.extensionIds ?? [DEFAULT_EXTENSION_ID]);
  const { locations } = resolveInstallTargets(options);
  const diagnoses = await Promise.all(locations.map((location) => diagnoseBrowser(location, options, extensionIds)));
  const someInstalled = diagnoses.some((d) => d.manifestFound);
  for (const diagnosis of diagnoses) {
    const install = installCommand(diagnosis.browser, extensionIds);
    if (options.browsers === 'all' && someInstalled && !diagnosis.manifestFound) {
      for (const check of diagnosis.checks) if (check.level === 'fail') check.level = 'warn';
      diagnosis.level = 'warn';
      diagnosis.nextStep = `to use Keygate in ${diagnosis.browser}, run ${install}`;
    } else if (diagnosis.level === 'fail') {
      const onlyTheHostFails = diagnosis.checks.every((c) => c.level === 'ok' || c.name === 'host answers');
      diagnosis.nextStep = onlyTheHostFails
        ? `run ${diagnosis.hostPath} by hand to see its error, then ${install}`
        : `run ${install}`;
    }
  }
  return diagnoses;
}

const MARKS: Record<FindingLevel, string> = { ok: '✔', warn: '!', fail: '✘' };

/** One line per browser, then the checks that did not pass and what to do next. */
export function formatDoctorReport(diagnoses: readonly BrowserDiagnosis[]): string {
  const lines: string[] = [];
  for (const d of diagnoses) {
    const problems = d.checks.filter((c) => c.level !== 'ok');
    const [first, ...rest] = problems;
    if (first === undefined) {
      lines.push(`${MARKS.ok} ${d.browser}: manifest at ${d.manifestPath} points at a working host (v${d.hostVersion ?? '?'})`);
    } else {
      lines.push(`${MARKS[d.level]} ${d.browser}: ${first.message}`);
      for (const check of rest) lines.push(`    ${MARKS[check.level]} ${check.message}`);
    }
    if (d.nextStep !== undefined) lines.push(`    next step: ${d.nextStep}`);
  }
  return lines.join('\n');
}
