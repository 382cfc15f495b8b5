/**
 * Reads the options page's Activity table and Overview charts the way the e2e tests check them: the
 * rows as listed, filters chosen, and the charts' legends as hovering a bar fills them. Shared by the
 * HTTP agents' test and the browser agents' one.
 */
import type { Page } from 'puppeteer-core';

export type ActivityRow = { agent: string | null; decision: string | null; status: string | null; cells: string[] };

export async function activityRows(page: Page): Promise<ActivityRow[]> {
  return page.$$eval('[data-testid="activity-row"]', (trs) =>
    trs.map((tr) => ({
      agent: tr.getAttribute('data-agent'),
      decision: tr.getAttribute('data-decision'),
      status: tr.getAttribute('data-status'),
      cells: Array.from(tr.querySelectorAll('td'), (td) => td.textContent?.trim() ?? ''),
    })),
  );
}

/** Waits until the table shows exactly `count` rows (the host answers asynchronously). */
export async function waitForRowCount(page: Page, count: number): Promise<ActivityRow[]> {
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="activity-row"]').length === n, { timeout: 30_000 }, count);
  return activityRows(page);
}

export async function choose(page: Page, testId: string, value: string): Promise<void> {
  await page.bringToFront();
  await page.select(`[data-testid="${testId}"]`, value);
}

/** A chart's legend: each series' label and value (a bar's counts while one is hovered, else the window's). */
export async function chartLegend(page: Page, chart: string): Promise<string[][]> {
  return page.$$eval(`[data-testid="${chart}"] .u-legend .u-series`, (series) =>
    series.map((entry) => [entry.querySelector('.u-label')?.textContent ?? '', entry.querySelector('.u-value')?.textContent ?? '']),
  );
}

/** Moves the mouse over a chart, `fraction` of the way across its plot area. */
export async function hoverChart(page: Page, chart: string, fraction: number): Promise<void> {
  await page.bringToFront();
  const over = (await page.$(`[data-testid="${chart}"] .u-over`))!;
  // The mouse reaches only what is in the viewport; uPlot re-reads its position on scroll.
  await over.evaluate((element) => element.scrollIntoView({ block: 'center' }));
  const box = await over.boundingBox();
  await page.mouse.move(box!.x + 2, box!.y + 2);
  await page.mouse.move(box!.x + box!.width * fraction, box!.y + box!.height / 2, { steps: 4 });
}

/** uPlot fills the legend from the hovered bar on its next frame. */
export async function waitForLegendValue(page: Page, chart: string): Promise<void> {
  await page.waitForFunction((id) => document.querySelector(`[data-testid="${id}"] .u-legend .u-series:nth-child(2) .u-value`)?.textContent !== '—', { timeout: 10_000 }, chart);
}

/**
 * The legend of every bar in a chart of categories (the top agents), hovering `slots` evenly spaced
 * positions in turn; each hover starts off the chart so the legend is seen to change to that bar.
 */
export async function categoryLegends(page: Page, chart: string, slots: number): Promise<string[][][]> {
  const hovered = (hovering: boolean) =>
    page.waitForFunction(
      (id, on) => (document.querySelector(`[data-testid="${id}"] .u-legend .u-series:first-child .u-value`)?.textContent !== 'all shown') === on,
      { timeout: 10_000 },
      chart,
      hovering,
    );
  const legends: string[][][] = [];
  for (let slot = 0; slot < slots; slot++) {
    await page.mouse.move(0, 0);
    await hovered(false);
    await hoverChart(page, chart, (slot + 0.5) / slots);
    await hovered(true);
    legends.push(await chartLegend(page, chart));
  }
  return legends;
}
