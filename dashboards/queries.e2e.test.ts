/**
 * Every query of every committed dashboard, run against a real influxd holding a simulated fleet's data: with the
 * variables at "All" and narrowed to one district, each panel query must execute and return the series the panel
 * draws (its legend's tags, a value in every column), so no panel is left blank by a typo in a field or tag name.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoReference } from '../devices-sim/test-fixtures.ts';
import { createInfluxHttp, seriesRows, type InfluxHttp, type InfluxSeries } from '../platform/influx-http.ts';
import { startInfluxd, type LocalInfluxd } from '../platform/influxd.ts';
import { JSON_DIR } from './build.ts';
import { dashboardTestData, type TestData } from './test-data.ts';

interface Target { refId: string; query: string; alias?: string; resultFormat: string }
interface Panel { id: number; type: string; title: string; targets?: Target[] }
interface Dashboard { uid: string; title: string; time: { from: string }; panels: Panel[]; templating: { list: { name: string; query: string }[] } }

const dashboards: Dashboard[] = readdirSync(JSON_DIR)
  .filter((n) => n.endsWith('.json'))
  .map((n) => JSON.parse(readFileSync(join(JSON_DIR, n), 'utf8')) as Dashboard);

let influxd: LocalInfluxd;
let influx: InfluxHttp;
let data: TestData;
let dir: string;

type Scope = Record<'district' | 'contractor' | 'site' | 'device', string>;
const ALL: Scope = { district: '.*', contractor: '.*', site: '.*', device: '.*' };
const YUEXIU: Scope = { ...ALL, district: 'yuexiu' };

/** What Grafana sends: the dashboard's default range, an interval, the variables' regex values. */
function interpolate(query: string, d: Dashboard, scope: Scope): string {
  const range = d.time.from.replace(/^now-/, '');
  return query
    .replaceAll('$timeFilter', `time >= now() - ${range}`)
    .replaceAll('$__interval', '1h')
    .replace(/\$(district|contractor|site|device)\b/g, (_m, v: keyof Scope) => scope[v]);
}

function expectDrawable(series: InfluxSeries[], t: Target, label: string): void {
  expect(series.length, `${label}: no series`).toBeGreaterThan(0);
  const columns = new Set(series.flatMap((s) => s.columns).filter((c) => c !== 'time'));
  for (const column of columns) {
    const hasValue = series.some((s) => seriesRows(s).some((r) => r[column] !== null && r[column] !== undefined));
    expect(hasValue, `${label}: column ${column} is empty in every series`).toBe(true);
  }
  for (const [, tagKey] of (t.alias ?? '').matchAll(/\$tag_(\w+)/g)) {
    for (const s of series) expect(s.tags?.[tagKey!], `${label}: legend needs tag ${tagKey}`).toBeTruthy();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vw-dash-'));
  influxd = await startInfluxd({ dataDir: dir });
  influx = createInfluxHttp({ url: influxd.url, db: 'vectorwatch' });
  await influx.exec('CREATE DATABASE "vectorwatch"');
  data = dashboardTestData(demoReference(), Date.now());
  for (let i = 0; i < data.lines.length; i += 5000) await influx.write(data.lines.slice(i, i + 5000).join('\n'));
}, 60_000);

afterAll(async () => {
  await influxd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('dashboard queries against a simulated fleet in influxd', () => {
  it('has the five dashboards', () => {
    expect(dashboards.map((d) => d.uid).sort()).toEqual(['vw-bins', 'vw-contractor-live', 'vw-fleet-health', 'vw-health-overview', 'vw-water-quality']);
  });

  for (const d of dashboards) {
    describe(`${d.title} (${d.uid})`, () => {
      it('variables list the values in the data', async () => {
        for (const v of d.templating.list) {
          const series = await influx.query(interpolate(v.query, d, ALL));
          const values = series.flatMap((s) => seriesRows(s).map((r) => r.value as string));
          expect(values.length, `variable ${v.name}`).toBeGreaterThan(0);
          if (v.name === 'district') expect([...new Set(values)].sort()).toEqual(['tianhe', 'yuexiu']);
        }
      });

      for (const [scopeName, scope] of [['all', ALL], ['district=yuexiu', YUEXIU]] as const) {
        it(`every panel query returns its series (${scopeName})`, async () => {
          const panels = d.panels.filter((p) => p.targets && p.targets.length > 0);
          expect(panels.length).toBeGreaterThan(0);
          for (const p of panels) {
            for (const t of p.targets!) {
              const label = `${d.uid} panel ${p.id} "${p.title}" ${t.refId}`;
              const series = await influx.query(interpolate(t.query, d, scope)).catch((err: Error) => {
                throw new Error(`${label}: ${err.message}\n${t.query}`);
              });
              expectDrawable(series, t, label);
            }
          }
        });
      }
    });
  }

  const panel = (uid: string, title: string): Target => {
    const d = dashboards.find((x) => x.uid === uid)!;
    const p = d.panels.find((x) => x.title === title) ?? d.panels.find((x) => x.title.startsWith(title));
    if (!p?.targets?.[0]) throw new Error(`no panel ${title} in ${uid}`);
    return p.targets[0];
  };
  const run = async (uid: string, title: string, scope = ALL) =>
    influx.query(interpolate(panel(uid, title).query, dashboards.find((x) => x.uid === uid)!, scope));

  it('lists exactly the alerts whose last event is not a resolution', async () => {
    const series = await run('vw-health-overview', '未解除告警');
    expect(series.flatMap((s) => seriesRows(s).map((r) => r.alertId)).sort()).toEqual([...data.openAlertIds].sort());
    const [count] = await run('vw-health-overview', '未解除告警（条）');
    expect(seriesRows(count!)[0]!.count).toBe(data.openAlertIds.length);
  });

  it('lists only the bin that stayed full past the emptying window', async () => {
    const series = await run('vw-bins', '超时未清运');
    const overdue = series.map((s) => s.tags?.device);
    expect(overdue).toContain(data.overdueBin);
    expect(overdue).not.toContain('planted-bin-emptied');
    expect(overdue).not.toContain('planted-bin-tilted');
  });

  it('counts refused readings by rejection code', async () => {
    const series = await run('vw-fleet-health', '被拒读数');
    expect(series.map((s) => s.tags?.code).sort()).toEqual([...data.rejectionCodes].sort());
  });

  it('draws indicators only at district scope, one series per district', async () => {
    const series = await run('vw-health-overview', '室内鼠迹阳性率');
    expect(series.map((s) => s.tags?.district).sort()).toEqual(['tianhe', 'yuexiu']);
    const narrowed = await run('vw-health-overview', '室内鼠迹阳性率', YUEXIU);
    expect(narrowed.map((s) => s.tags?.district)).toEqual(['yuexiu']);
  });
});
