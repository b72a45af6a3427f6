/**
 * The live page in a real browser (headless Debian Chromium through playwright-core) against the real stack:
 * a contractor logs in and a reading published over MQTT shows on the page within 2 s; a health-office user
 * acknowledges and resolves an alert, and the change shows in the API and the audit log. Screenshots of both views
 * (desktop and phone) are saved to test/artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../contracts/alert.ts';
import type { DeviceCredential } from '../../contracts/registry.ts';
import { publish, startTestStack, TEST_ADMIN_TOKEN, type TestStack } from '../harness.ts';

const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

let stack: TestStack;
let browser: Browser;
const devices: DeviceCredential[] = [];

async function admin(method: string, path: string, body?: unknown) {
  const res = await fetch(`${stack.httpUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function logIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto(`${stack.httpUrl}/live/`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#summary', { timeout: 10_000 });
}

const textOf = (page: Page, selector: string) => page.locator(selector).first().innerText();

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  stack = await startTestStack();
  await admin('POST', '/api/users', { username: 'contractor.jiean', displayName: '广州洁安有害生物防制有限公司', role: 'contractor', scope: { contractorId: 'jiean' }, password: 'jiean password 1' });
  await admin('POST', '/api/users', { username: 'office.yuexiu', displayName: '越秀区爱卫办', role: 'health_office', scope: { districtIds: ['yuexiu'] }, password: 'office password 1' });
  for (const [id, kind, siteId, label] of [
    ['br-mosq-01', 'mosquito_trap', 'yx-market-dongshan', '东山农贸市场 诱蚊灯 1号'],
    ['br-rodent-01', 'rodent_station', 'yx-market-dongshan', '东山农贸市场 鼠饵站 1号'],
    ['br-rodent-02', 'rodent_station', 'yx-rest-beijinglu', '北京路美食街 鼠饵站 2号'],
    ['br-bin-01', 'bin_sensor', 'yx-rest-beijinglu', '北京路美食街 垃圾桶 1号'],
    ['br-other-01', 'bin_sensor', 'th-market-shipai', '石牌市场 垃圾桶（卫康）'],
  ] as const) {
    devices.push(await stack.register({ id, kind, siteId, label, placement: 'indoor' }));
  }
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('contractor', () => {
  it('sees only its own sites, and a reading published over MQTT appears within 2 s', async () => {
    const [mosq, rodent1, rodent2, bin] = devices as [DeviceCredential, DeviceCredential, DeviceCredential, DeviceCredential];
    // Some history first, so the page has values and a low battery to show.
    const now = Date.now();
    const rodentClient = await stack.connectDevice(rodent1);
    await publish(rodentClient, `devices/${rodent1.username}/telemetry`, JSON.stringify({ v: 1, kind: 'rodent_station', seq: 1, ts: now - 3600_000, battery: 14, periodS: 900, visits: 3, caught: 0, baitPct: 40, lidOpen: false }));
    await publish(rodentClient, `devices/${rodent1.username}/telemetry`, JSON.stringify({ v: 1, kind: 'rodent_station', seq: 2, ts: now - 60_000, battery: 13, periodS: 900, visits: 5, caught: 1, baitPct: 38, lidOpen: false }));
    const binClient = await stack.connectDevice(bin);
    await publish(binClient, `devices/${bin.username}/telemetry`, JSON.stringify({ v: 1, kind: 'bin_sensor', seq: 1, ts: now - 30_000, battery: 88, fillPct: 71 }));
    await stack.waitForRows(`SELECT visits FROM rodent_station WHERE device = '${rodent1.username}'`, 2);
    await stack.waitForRows(`SELECT fillPct FROM bin_sensor WHERE device = '${bin.username}'`, 1);
    // A device alert at one of the contractor's sites sits on top.
    const battery = stack.alerts.store.openOrUpdate({
      key: 'br-battery', ruleId: 'device-battery', kind: 'device_health', severity: 'minor', districtId: 'yuexiu', siteId: 'yx-market-dongshan',
      deviceId: rodent1.username, scope: { level: 'device', id: rodent1.username }, value: 13, limit: 20, unit: '%', standard: 'operator policy',
      text: { zh: '东山农贸市场 鼠饵站 1号 电量 13%，低于 20%', en: "Dongshan Market rodent station 1: battery 13 %, below 20 %" }, atMs: now - 5 * 60_000,
    }).alert;

    const page = await browser.newPage({ viewport: DESKTOP });
    await logIn(page, 'contractor.jiean', 'jiean password 1');
    expect(await page.locator('[data-site]').count()).toBe(5); // Jie'an's five sites, in both districts
    expect(await page.locator('[data-device="br-other-01"]').count()).toBe(0);
    expect(await page.locator('[data-device]').count()).toBe(4);
    expect(await textOf(page, `[data-device="${rodent1.username}"] [data-role="value"]`)).toBe('5');
    expect(await page.locator(`[data-device="${rodent1.username}"]`).getAttribute('data-state')).toBe('low_battery');
    expect(await page.locator(`[data-device="${rodent2.username}"]`).getAttribute('data-state')).toBe('silent');
    expect(await page.locator(`[data-alert="${battery.id}"]`).count()).toBe(1);
    // A device alert: the contractor may acknowledge it (but never resolve).
    expect(await page.locator(`[data-alert="${battery.id}"] [data-action="acknowledge"]`).count()).toBe(1);
    expect(await page.locator('[data-action="resolve"]').count()).toBe(0);
    // Open alerts come before the sites.
    const alertsY = (await page.locator('#alerts').boundingBox())!.y;
    const firstSiteY = (await page.locator('[data-site]').first().boundingBox())!.y;
    expect(alertsY).toBeLessThan(firstSiteY);
    await page.waitForSelector('#conn[data-state="live"]');

    const client = await stack.connectDevice(mosq);
    const t0 = Date.now();
    await publish(client, `devices/${mosq.username}/telemetry`, JSON.stringify({ v: 1, kind: 'mosquito_trap', seq: 1, ts: Date.now(), battery: 91, periodS: 3600, females: 41, males: 12 }));
    await page.waitForSelector(`[data-device="${mosq.username}"] [data-role="value"]:text-is("41")`, { timeout: 2000 });
    const latencyMs = Date.now() - t0;
    expect(latencyMs).toBeLessThan(2000);
    expect(await page.locator(`[data-device="${mosq.username}"]`).getAttribute('data-state')).toBe('ok');
    await page.waitForTimeout(1300); // let the highlight fade before the picture
    await page.screenshot({ path: join(ARTIFACTS, 'live-contractor-desktop.png'), fullPage: true });

    await page.setViewportSize(PHONE);
    await page.click('#lang-toggle');
    expect(await textOf(page, 'h1')).toBe('My sites');
    expect(await textOf(page, `[data-device="${mosq.username}"] .kind`)).toBe('Mosquito trap');
    await page.screenshot({ path: join(ARTIFACTS, 'live-contractor-phone-en.png'), fullPage: true });
    await page.click('#lang-toggle'); // back to Chinese for the next test's fresh page (the choice is stored)
    await page.close();
    await Promise.all([client.endAsync(), rodentClient.endAsync(), binClient.endAsync()]);
  });
});

describe('health office', () => {
  it('acknowledges and resolves an alert; the change shows in the API and the audit log', async () => {
    const alert: Alert = stack.alerts.store.openOrUpdate({
      key: 'br-density', ruleId: 'density-mosquito-light-trap', kind: 'density', severity: 'major', districtId: 'yuexiu', siteId: 'yx-market-dongshan',
      scope: { level: 'site', id: 'yx-market-dongshan' }, period: '2026-11', indicator: 'light-trap-index', value: 4.2, limit: 2, unit: '只/灯·夜',
      standard: 'GB/T 27771-2011', text: { zh: '东山农贸市场 诱蚊灯指数 4.2 只/灯·夜，超过 C 级限值 2.0', en: "Dongshan Farmers' Market light-trap index 4.2 per lamp-night, above the C limit 2.0" },
      atMs: Date.now() - 40 * 60_000,
    }).alert;
    // An alert of another district must not reach this office.
    const other = stack.alerts.store.openOrUpdate({
      key: 'br-density-th', ruleId: 'density-mosquito-light-trap', kind: 'density', severity: 'critical', districtId: 'tianhe', siteId: 'th-market-shipai',
      scope: { level: 'site', id: 'th-market-shipai' }, value: 6, limit: 2, unit: '只/灯·夜', standard: 'GB/T 27771-2011',
      text: { zh: '石牌农贸市场 诱蚊灯指数 6.0', en: 'Shipai light-trap index 6.0' }, atMs: Date.now(),
    }).alert;

    const page = await browser.newPage({ viewport: DESKTOP });
    await logIn(page, 'office.yuexiu', 'office password 1');
    expect(await page.locator('[data-district]').count()).toBe(1);
    expect(await page.locator(`[data-alert="${other.id}"]`).count()).toBe(0);
    const card = `[data-alert="${alert.id}"]`;
    await page.waitForSelector(card);
    await page.waitForSelector('[data-grades]');
    await page.screenshot({ path: join(ARTIFACTS, 'live-office-desktop.png'), fullPage: true });

    await page.click(`${card} [data-action="acknowledge"]`);
    await page.waitForSelector(`${card}[data-state="acknowledged"]`, { timeout: 5000 });
    const acked = await admin('GET', `/api/alerts/${alert.id}`);
    expect(acked.body.alert).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'user:office.yuexiu' });

    // Resolving a density alert needs the corrective action: the dialog insists before anything is sent.
    await page.click(`${card} [data-action="resolve"]`);
    await page.waitForSelector('#resolve-dialog[open]');
    await page.click('#resolve-submit');
    expect(await textOf(page, '#resolve-error')).toBe('密度告警须填写整改措施。');
    await page.fill('#resolve-action', '清除市场积水容器 12 处，蚊帐修补，周三复查');
    await page.fill('#resolve-note', '现场核实');
    await page.click('#resolve-submit');
    await page.waitForSelector(card, { state: 'detached', timeout: 5000 });

    const resolved = await admin('GET', `/api/alerts/${alert.id}`);
    expect(resolved.body.alert).toMatchObject({ state: 'resolved', resolvedBy: 'user:office.yuexiu', resolution: 'manual', correctiveAction: '清除市场积水容器 12 处，蚊帐修补，周三复查' });
    expect(resolved.body.events.map((e: { transition: string }) => e.transition)).toEqual(['opened', 'acknowledged', 'resolved']);
    const audit = await admin('GET', `/api/audit?targetId=${alert.id}`);
    expect(audit.body.entries.map((e: { action: string; actor: string }) => [e.action, e.actor])).toEqual([
      ['alert.resolve', 'user:office.yuexiu'],
      ['alert.acknowledge', 'user:office.yuexiu'],
    ]);
    expect(audit.body.entries[0]).toMatchObject({ before: { state: 'acknowledged' }, after: { state: 'resolved' }, districtId: 'yuexiu', siteId: 'yx-market-dongshan' });
    expect((await admin('GET', '/api/audit/verify')).body.ok).toBe(true);

    // Drill down to a site, on a phone.
    await page.setViewportSize(PHONE);
    await page.click('[data-site-link="yx-market-dongshan"]');
    await page.waitForSelector('.back');
    expect(await page.locator('[data-device="br-mosq-01"]').count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'live-office-site-phone.png'), fullPage: true });
    await page.close();
  });
});
