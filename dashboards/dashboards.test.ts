import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { JSON_DIR, renderDashboards } from './build.ts';
import { DATASOURCE } from './influxql.ts';

const committed = new Map(readdirSync(JSON_DIR).filter((n) => n.endsWith('.json')).map((n) => [n, readFileSync(`${JSON_DIR}${n}`, 'utf8')]));
const generated = renderDashboards();
const CJK = /[\u4e00-\u9fff]/;

interface Panel { id: number; type: string; title: string; gridPos: { x: number; y: number; w: number; h: number }; datasource?: unknown; targets?: Record<string, unknown>[] }

describe('dashboards/json', () => {
  it('is exactly what the TypeScript definitions generate (run `npm run gen:dashboards`)', () => {
    expect([...committed.keys()].sort()).toEqual([...generated.keys()].sort());
    for (const [name, text] of generated) expect(committed.get(name), name).toBe(text);
  });

  for (const [name, text] of generated) {
    it(`${name} is a well-formed dashboard for the provisioned InfluxDB data source`, () => {
      const d = JSON.parse(text) as { uid: string; title: string; schemaVersion: number; panels: Panel[]; templating: { list: { datasource: unknown; label: string }[] } };
      expect(`${d.uid}.json`).toBe(name);
      expect(d.title).toMatch(CJK);
      expect(d.schemaVersion).toBeGreaterThan(30);
      expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length);
      for (const p of d.panels) {
        expect(p.title, `panel ${p.id}`).toMatch(CJK);
        expect(p.gridPos.x + p.gridPos.w, `panel ${p.id} fits the 24-column grid`).toBeLessThanOrEqual(24);
        if (p.type === 'row') continue;
        expect(p.datasource, p.title).toEqual(DATASOURCE);
        expect(p.targets?.length, p.title).toBeGreaterThan(0);
        for (const t of p.targets ?? []) {
          expect(t, p.title).toMatchObject({ datasource: DATASOURCE, rawQuery: true });
          expect(t.query, p.title).toMatch(/^SELECT /);
        }
      }
      for (const v of d.templating.list) {
        expect(v.datasource).toEqual(DATASOURCE);
        expect(v.label).toMatch(CJK);
      }
    });
  }
});

describe('Grafana provisioning', () => {
  it('provisions the InfluxDB data source the dashboards name, in InfluxQL mode, with the token from the environment', () => {
    const file = parse(readFileSync(new URL('./provisioning/datasources/vectorwatch.yaml', import.meta.url), 'utf8')) as {
      apiVersion: number;
      datasources: { uid: string; type: string; url: string; jsonData: Record<string, string>; secureJsonData: Record<string, string> }[];
    };
    expect(file.apiVersion).toBe(1);
    expect(file.datasources).toHaveLength(1);
    const ds = file.datasources[0]!;
    expect({ uid: ds.uid, type: ds.type }).toEqual(DATASOURCE);
    expect(ds.jsonData).toMatchObject({ version: 'InfluxQL', dbName: '${INFLUX_DB}', httpHeaderName1: 'Authorization' });
    expect(ds.secureJsonData.httpHeaderValue1).toBe('Token ${INFLUX_TOKEN}');
    expect(ds.url).toBe('${INFLUX_URL}');
  });

  it('provisions the dashboards folder read-only from files', () => {
    const file = parse(readFileSync(new URL('./provisioning/dashboards/vectorwatch.yaml', import.meta.url), 'utf8')) as {
      apiVersion: number;
      providers: { type: string; allowUiUpdates: boolean; options: { path: string } }[];
    };
    expect(file.apiVersion).toBe(1);
    expect(file.providers).toEqual([expect.objectContaining({ type: 'file', allowUiUpdates: false, options: expect.objectContaining({ path: '/var/lib/grafana/dashboards/vectorwatch' }) })]);
  });
});
