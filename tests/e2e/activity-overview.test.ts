/**
 * Activity and Overview end to end: real calls through the host's HTTP proxy (one forwarded to a
 * mock upstream, one refused by the policy's blocked endpoint), then the options page in headless
 * Chromium lists them live, filters them, opens a line's details, exports them, and charts them.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { type KeygateBrowser, launchKeygateBrowser } from '../../scripts/keygate-browser';
import { type MockUpstream, startMockUpstream } from '../integration/mock-upstream';
import { chartLegend, choose, hoverChart, waitForLegendValue, waitForRowCount } from './activity-driver';
import { addApiKey, applyPolicy, click, createAgentKey, createVault, openOptionsSection, proxyPort, waitForTestId } from './popup-driver';

const PROVIDER_KEY = 'sk-test-FAKE-activity-provider-0001';
const QUERY_SECRET = 'sk-test-FAKE-in-a-query-string';
const AGENT_NAME = 'activity agent';

let keygate: KeygateBrowser;
let upstream: MockUpstream;
let options: Page;
let port: number;
let agentKey: string;

beforeAll(async () => {
  keygate = await launchKeygateBrowser();
  upstream = await startMockUpstream((_request, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ object: 'list', data: [] }));
  });
  const popup = await keygate.openExtensionPage('popup.html');
  await createVault(popup);
  await addApiKey(popup, 'openai', 'personal', PROVIDER_KEY);
  options = await keygate.openExtensionPage('options.html');
  await applyPolicy(options, `[proxy]\nport = 0\n\n[services.openai]\nbase_url = "${upstream.url}"\nblocked_endpoints = ["DELETE /v1/files/*"]\n`);
  port = await proxyPort(options);
  agentKey = (await createAgentKey(options, AGENT_NAME, ['openai'])).key;
});

afterAll(async () => {
  await keygate?.close();
  await upstream?.close();
});

async function call(method: string, path: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers: { authorization: `Bearer ${agentKey}` } });
  await response.arrayBuffer();
  return response.status;
}

describe('Activity and Overview, after real proxied calls', () => {
  it('lists a forwarded and a refused call live, newest first, with the agent key’s name and the decision', async () => {
    await openOptionsSection(options, 'activity');
    await waitForTestId(options, '[data-testid="activity-empty"][data-filtered="false"]');

    expect(await call('GET', `/openai/v1/models?limit=5&api_key=${QUERY_SECRET}`)).toBe(200);
    expect(await call('DELETE', '/openai/v1/files/file-abc')).toBe(403);
    expect(upstream.received.map((request) => request.method)).toEqual(['GET']);

    // No reload: the open page picks the new lines up by itself.
    const listed = await waitForRowCount(options, 2);
    expect(listed.map(({ agent, decision, status }) => ({ agent, decision, status }))).toEqual([
      { agent: AGENT_NAME, decision: 'blocked', status: '403' },
      { agent: AGENT_NAME, decision: 'allowed', status: '200' },
    ]);
    // time, agent, service, method, path, status, decision, duration, bytes
    expect(listed[0]!.cells.slice(1, 7)).toEqual([AGENT_NAME, 'openai', 'DELETE', '/openai/v1/files/file-abc', '403', 'RefusedENDPOINT_BLOCKED']);
    expect(listed[1]!.cells.slice(1, 7)).toEqual([AGENT_NAME, 'openai', 'GET', '/openai/v1/models', '200', 'Forwarded']);
    const page = await options.content();
    expect(page).not.toContain(QUERY_SECRET);
    expect(page).not.toContain('limit=5');
    expect(page).not.toContain(PROVIDER_KEY);
  });

  it('filters: refused only, by code, by path text, by agent', async () => {
    await choose(options, 'filter-decision', 'blocked');
    let listed = await waitForRowCount(options, 1);
    expect(listed[0]).toMatchObject({ decision: 'blocked', status: '403' });

    await choose(options, 'filter-code', 'RATE_LIMITED');
    await waitForTestId(options, '[data-testid="activity-empty"][data-filtered="true"]');
    await choose(options, 'filter-code', 'ENDPOINT_BLOCKED');
    listed = await waitForRowCount(options, 1);
    expect(listed[0]!.cells[4]).toBe('/openai/v1/files/file-abc');

    await click(options, 'clear-filters');
    await waitForRowCount(options, 2);
    await options.type('[data-testid="filter-text"]', '/v1/models');
    listed = await waitForRowCount(options, 1);
    expect(listed[0]).toMatchObject({ decision: 'allowed' });

    await click(options, 'clear-filters');
    await choose(options, 'filter-agent', '(unauthenticated)');
    await waitForTestId(options, '[data-testid="activity-empty"][data-filtered="true"]');
    const agentId = await options.$eval('[data-testid="filter-agent"]', (select) =>
      Array.from((select as HTMLSelectElement).options).find((option) => option.textContent === 'activity agent')?.value,
    );
    await choose(options, 'filter-agent', agentId!);
    await waitForRowCount(options, 2);
    await click(options, 'clear-filters');
  });

  it('opens the details drawer of a refused line, with its reason and what a person can do', async () => {
    await waitForRowCount(options, 2);
    await click(options, '[data-testid="activity-row"][data-decision="blocked"] [data-testid="activity-open"]');
    const drawer = await waitForTestId(options, 'activity-drawer');
    const fields = await drawer.$$eval('dd[data-field]', (dds) => Object.fromEntries(dds.map((dd) => [dd.getAttribute('data-field'), dd.textContent])));
    expect(fields).toMatchObject({ Agent: AGENT_NAME, Service: 'openai', Method: 'DELETE', Path: '/openai/v1/files/file-abc', Status: '403', Credential: 'none used' });
    expect(fields.Reason).toMatch(/^ENDPOINT_BLOCKED/);
    expect(fields.Identity).toMatch(/^agent key /);
    expect(await drawer.$eval('[data-testid="activity-drawer-hint"]', (el) => el.textContent)).toMatch(/\S/);
    await click(options, 'activity-drawer-close');
    await options.waitForSelector('[data-testid="activity-drawer"]', { hidden: true });
  });

  it('keeps the user’s filter while new lines arrive, and exports the filtered set as CSV', async () => {
    await choose(options, 'filter-decision', 'blocked');
    await waitForRowCount(options, 1);
    expect(await call('DELETE', '/openai/v1/files/file-def')).toBe(403);
    expect(await call('GET', '/openai/v1/models')).toBe(200);
    const listed = await waitForRowCount(options, 2);
    expect(listed.map((row) => row.cells[4])).toEqual(['/openai/v1/files/file-def', '/openai/v1/files/file-abc']);
    expect(await options.$eval('[data-testid="filter-decision"]', (select) => (select as HTMLSelectElement).value)).toBe('blocked');

    const csv = await downloaded(() => click(options, 'export-csv'));
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toMatch(/^time,request_id,agent,agent_name,service,method,path,status,decision,reason/);
    expect(lines).toHaveLength(3);
    expect(lines.slice(1).every((line) => line.includes(',DELETE,/openai/v1/files/file-') && line.includes(',403,blocked,ENDPOINT_BLOCKED'))).toBe(true);
    const jsonl = (await downloaded(() => click(options, 'export-jsonl'))).trim().split('\n').map((line) => JSON.parse(line) as { path: string; agentName: string });
    expect(jsonl.map((record) => [record.path, record.agentName])).toEqual([
      ['/openai/v1/files/file-def', AGENT_NAME],
      ['/openai/v1/files/file-abc', AGENT_NAME],
    ]);
    expect(csv + JSON.stringify(jsonl)).not.toContain(QUERY_SECRET);
    await click(options, 'clear-filters');
  });

  it('Overview charts the calls: totals, requests by service, refusals by code, top agents', async () => {
    await openOptionsSection(options, 'overview');
    await options.waitForFunction(() => document.querySelector('[data-testid="total-requests"]')?.textContent === '4', { timeout: 30_000 });
    expect(await options.$eval('[data-testid="total-refused"]', (el) => el.textContent)).toBe('2');

    for (const chart of ['chart-requests', 'chart-refusals', 'chart-agents']) {
      const size = await options.$eval(`[data-testid="${chart}"] canvas`, (canvas) => [(canvas as HTMLCanvasElement).width, (canvas as HTMLCanvasElement).height]);
      expect(size[0]).toBeGreaterThan(200);
      expect(size[1]).toBeGreaterThan(100);
    }
    const legend = (chart: string) => chartLegend(options, chart);
    // Away from the bars, the legends total the whole window.
    expect(await legend('chart-requests')).toEqual([
      ['Hour', 'whole window'],
      ['openai', '4'],
    ]);
    expect(await legend('chart-refusals')).toEqual([
      ['Hour', 'whole window'],
      ['ENDPOINT_BLOCKED', '2'],
    ]);

    // Hovering the current hour's bar (the last of 24) shows its counts in the legend.
    await hoverChart(options, 'chart-requests', 0.995);
    await waitForLegendValue(options, 'chart-requests');
    expect((await legend('chart-requests'))[1]).toEqual(['openai', '4']);
    await hoverChart(options, 'chart-refusals', 0.995);
    await waitForLegendValue(options, 'chart-refusals');
    expect((await legend('chart-refusals'))[1]).toEqual(['ENDPOINT_BLOCKED', '2']);
    // One agent: its bar sits in the middle; the legend splits its requests by outcome.
    await hoverChart(options, 'chart-agents', 0.5);
    await waitForLegendValue(options, 'chart-agents');
    expect(await legend('chart-agents')).toEqual([
      ['Agent', AGENT_NAME],
      ['failed', '0'],
      ['refused', '2'],
      ['forwarded', '2'],
    ]);

    await click(options, 'stats-window-7d');
    await options.waitForFunction(() => document.querySelector('[data-testid="chart-requests"] .u-legend')?.textContent?.includes('openai'), { timeout: 30_000 });
    expect(await options.$eval('[data-testid="total-requests"]', (el) => el.textContent)).toBe('4');
  });

  it('the Agents section shows each key’s requests in the last 24 h', async () => {
    await openOptionsSection(options, 'agents');
    const usage = await waitForTestId(options, `[data-testid="agent-key"][data-name="${AGENT_NAME}"] [data-testid="agent-usage"][data-requests]`);
    expect(await usage.evaluate((el) => [el.getAttribute('data-requests'), el.getAttribute('data-refusals')])).toEqual(['4', '2']);
  });

  it('new lines arrive on top without moving the row the user scrolled to', async () => {
    for (let i = 0; i < 40; i++) expect(await call('GET', `/openai/v1/models/m-${i}`)).toBe(200);
    await openOptionsSection(options, 'activity');
    await waitForRowCount(options, 44);
    const anchor = '[data-testid="activity-row"]:nth-child(25)';
    const anchorId = await options.$eval(anchor, (row) => {
      row.scrollIntoView({ block: 'start' });
      return row.getAttribute('data-request-id');
    });
    const topBefore = await options.$eval(`[data-request-id="${anchorId}"]`, (row) => row.getBoundingClientRect().top);
    expect(await options.evaluate(() => window.scrollY)).toBeGreaterThan(0);

    expect(await call('GET', '/openai/v1/models/late-1')).toBe(200);
    expect(await call('DELETE', '/openai/v1/files/late-2')).toBe(403);
    await waitForRowCount(options, 46);
    const topAfter = await options.$eval(`[data-request-id="${anchorId}"]`, (row) => row.getBoundingClientRect().top);
    expect(Math.abs(topAfter - topBefore)).toBeLessThanOrEqual(1);
    const newest = await options.$$eval('[data-testid="activity-row"]', (trs) => trs.slice(0, 2).map((tr) => tr.querySelectorAll('td')[4]?.textContent));
    expect(newest).toEqual(['/openai/v1/files/late-2', '/openai/v1/models/late-1']);
  });
});

/** What the page downloads when `action` runs, read from a throwaway folder once the browser says it is complete. */
async function downloaded(action: () => Promise<void>): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'keygate-export-'));
  const session = await keygate.browser.target().createCDPSession();
  try {
    await session.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: directory, eventsEnabled: true });
    const finished = new Promise<string>((resolve, reject) => {
      let fileName = '';
      session.on('Browser.downloadWillBegin', (event) => (fileName = event.suggestedFilename));
      session.on('Browser.downloadProgress', (event) => {
        if (event.state === 'completed') resolve(fileName);
        if (event.state === 'canceled') reject(new Error('the download was cancelled'));
      });
    });
    await action();
    return await readFile(join(directory, await finished), 'utf8');
  } finally {
    await session.detach();
    await rm(directory, { recursive: true, force: true });
  }
}
