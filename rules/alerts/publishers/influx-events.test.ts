import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInfluxHttp, seriesRows, type InfluxHttp } from '../../../platform/influx-http.ts';
import { startInfluxd, type LocalInfluxd } from '../../../platform/influxd.ts';
import { silentLogger } from '../../../platform/logger.ts';
import { openDatabase } from '../../../platform/sqlite.ts';
import type { AlertObservation, AlertRule } from '../alert-rule.ts';
import { createAlertStore } from '../alert-store.ts';
import { createAlertManager } from '../lifecycle.ts';
import { alertEventLine, createInfluxEventsPublisher } from './influx-events.ts';

const T0 = Date.parse('2026-11-05T02:00:00Z');
let dir: string;
let influxd: LocalInfluxd;
let influx: InfluxHttp;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vw-alert-influx-'));
  influxd = await startInfluxd({ dataDir: dir });
  influx = createInfluxHttp({ url: influxd.url, db: 'vw_alerts' });
  await influx.exec('CREATE DATABASE vw_alerts');
});

afterAll(async () => {
  await influxd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const chlorineRule: AlertRule = {
  id: 'water.free-chlorine.tap.min',
  subject: { kind: 'water', parameter: { id: 'free-chlorine', name: { zh: '游离氯', en: 'free chlorine' } }, samplingPoint: 'tap', bound: 'min' },
  condition: { fire: { threshold: 0.05, direction: 'below', inclusive: false }, clear: { threshold: 0.1 } },
  severity: { type: 'fixed', severity: 'major' },
  unit: 'mg/L',
  standard: 'GB 5749-2022',
};
const obs = (value: number, atMs: number): AlertObservation => ({
  value, atMs, scope: { level: 'device', id: 'water-007' }, districtId: 'haizhu', siteId: 'tap-07', deviceId: 'water-007',
  place: { district: { zh: '海珠区', en: 'Haizhu District' }, site: { zh: '江南西社区', en: 'Jiangnan West' } },
});

describe('influx alert events publisher', () => {
  it('writes one alert_event point per transition, queryable by tag', async () => {
    let now = T0;
    const manager = createAlertManager({
      store: createAlertStore(openDatabase(':memory:')),
      clock: () => now,
      publish: [createInfluxEventsPublisher({ influx })],
      logger: silentLogger,
    });
    const { alert } = await manager.observe(chlorineRule, obs(0.03, T0));
    await manager.observe(chlorineRule, obs(0.02, T0 + 60_000));
    now = T0 + 4 * 3_600_000;
    await manager.tick();
    await manager.observe(chlorineRule, obs(0.3, now));

    const series = await influx.query('SELECT * FROM alert_event ORDER BY time');
    const rows = series[0] ? seriesRows(series[0]) : [];
    expect(rows.map((r) => [r.transition, r.count, r.value, r.escalationLevel])).toEqual([
      ['opened', 1, 0.03, 0],
      ['updated', 2, 0.02, 0],
      ['escalated', 2, 0.02, 1],
      ['resolved', 2, 0.02, 1],
    ]);
    expect(rows[0]).toMatchObject({ district: 'haizhu', kind: 'water', severity: 'major', rule: 'water.free-chlorine.tap.min', alertId: alert!.id, limit: 0.05 });
    const byTag = await influx.query(`SELECT count(alertId) FROM alert_event WHERE "transition" = 'resolved' AND district = 'haizhu'`);
    expect(byTag[0]?.values[0]?.[1]).toBe(1);
  });

  it('escapes tag values and keeps events of the same millisecond apart', () => {
    const base = {
      version: 1 as const, transition: 'opened' as const, at: new Date(T0).toISOString(), actor: 'system', note: null,
      alert: {
        id: 'alert-0001', key: 'k', ruleId: 'bin full, street', kind: 'bin' as const, severity: 'minor' as const, state: 'open' as const,
        districtId: 'tianhe', scope: { level: 'device' as const, id: 'bin-001' }, value: 90, limit: 85, unit: '%', standard: '',
        text: { zh: 'x', en: 'x' }, openedAt: new Date(T0).toISOString(), lastSeenAt: new Date(T0).toISOString(), count: 1, lastValue: 90,
        escalationLevel: 0, resolution: null,
      },
    };
    const a = alertEventLine({ ...base, eventId: 41 });
    const b = alertEventLine({ ...base, eventId: 42 });
    expect(a).toBe(`alert_event,district=tianhe,kind=bin,rule=bin\\ full\\,\\ street,severity=minor,transition=opened alertId="alert-0001",value=90,limit=85,count=1i,escalationLevel=0i,eventId=41i ${T0}000041`);
    expect(a.split(' ').at(-1)).not.toBe(b.split(' ').at(-1));
  });
});
