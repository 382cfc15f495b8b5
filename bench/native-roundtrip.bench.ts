/**
 * Native round trip through the real extension and host in headless Chromium: an extension page
 * asks the background, which asks keygate-host over the native port. Baseline in the same run: the
 * same page ↔ background round trip without the host (`state.get`).
 */
import { launchKeygateBrowser } from '../scripts/keygate-browser';
import { round, summarizeLatency } from './stats';

declare const chrome: { runtime: { sendMessage(message: unknown): Promise<{ ok: boolean; result?: { data?: string } }> } };

const SMALL_MESSAGES = 1000;
const WARMUP = 100;
const PAYLOAD_BYTES = 5_000_000;
const PAYLOAD_RUNS = 5;

export async function benchNativeRoundTrip() {
  const keygate = await launchKeygateBrowser();
  try {
    const page = await keygate.openExtensionPage('popup.html');
    await page.waitForSelector('[data-testid="host-status"][data-status="connected"]', { timeout: 30_000 });

    const timeMessages = (message: unknown, count: number) =>
      page.evaluate(
        async (msg, n, warmup) => {
          for (let i = 0; i < warmup; i++) await chrome.runtime.sendMessage(msg);
          const samples: number[] = [];
          for (let i = 0; i < n; i++) {
            const start = performance.now();
            const reply = await chrome.runtime.sendMessage(msg);
            samples.push(performance.now() - start);
            if (!reply.ok) throw new Error('Request failed during the benchmark.');
          }
          return samples;
        },
        message,
        count,
        WARMUP,
      );

    const baseline = summarizeLatency(await timeMessages({ type: 'state.get' }, SMALL_MESSAGES));
    const throughHost = summarizeLatency(await timeMessages({ type: 'host.request', request: 'ping', params: {} }, SMALL_MESSAGES));

    const payloadSeconds = await page.evaluate(
      async (bytes, runs) => {
        const seconds: number[] = [];
        for (let i = 0; i < runs; i++) {
          const start = performance.now();
          const reply = await chrome.runtime.sendMessage({ type: 'host.request', request: 'diagnostics.payload', params: { bytes } });
          if (reply.result?.data?.length !== bytes) throw new Error('Payload arrived incomplete.');
          seconds.push((performance.now() - start) / 1000);
        }
        return seconds;
      },
      PAYLOAD_BYTES,
      PAYLOAD_RUNS,
    );
    const medianSeconds = [...payloadSeconds].sort((a, b) => a - b)[Math.floor(payloadSeconds.length / 2)]!;

    return {
      name: 'native-roundtrip',
      smallMessage: {
        throughHost,
        baselinePageToBackground: baseline,
        p50Ratio: round(throughHost.p50Ms / baseline.p50Ms, 2),
        p50AddedByHostMs: round(throughHost.p50Ms - baseline.p50Ms),
      },
      payload5MB: {
        bytes: PAYLOAD_BYTES,
        runs: PAYLOAD_RUNS,
        medianSeconds: round(medianSeconds),
        megabytesPerSecond: round(PAYLOAD_BYTES / 1e6 / medianSeconds, 1),
      },
    };
  } finally {
    await keygate.close();
  }
}
