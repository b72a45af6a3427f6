/**
 * Generates the Grafana provisioning JSON (`dashboards/json/*.json`) from the typed definitions. The JSON is
 * committed and mounted into Grafana (docker-compose.yml); `dashboards.test.ts` fails when it differs from what
 * the definitions generate: after a change run `npm run gen:dashboards`.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { bins } from './definitions/bins.ts';
import { contractorLive } from './definitions/contractor-live.ts';
import { fleetHealth } from './definitions/fleet-health.ts';
import { healthOverview } from './definitions/health-overview.ts';
import { waterQuality } from './definitions/water-quality.ts';

export const JSON_DIR = fileURLToPath(new URL('./json/', import.meta.url));

/** The registry of dashboards: adding one is a file in definitions/ and a line here. */
export const DASHBOARDS: readonly (() => DashboardBuilder)[] = [contractorLive, healthOverview, waterQuality, bins, fleetHealth];

/** File name → JSON text, as committed. */
export function renderDashboards(): Map<string, string> {
  const out = new Map<string, string>();
  for (const make of DASHBOARDS) {
    const d = make().build();
    // Stable panel ids (links and "view panel" URLs use them); Grafana would otherwise number them at load.
    (d.panels ?? []).forEach((panel, i) => {
      panel.id = i + 1;
    });
    out.set(`${d.uid}.json`, `${JSON.stringify(d, null, 2)}\n`);
  }
  return out;
}

if (import.meta.main) {
  mkdirSync(JSON_DIR, { recursive: true });
  for (const name of readdirSync(JSON_DIR)) if (name.endsWith('.json')) rmSync(`${JSON_DIR}${name}`);
  for (const [name, text] of renderDashboards()) writeFileSync(`${JSON_DIR}${name}`, text);
  console.log(`wrote ${DASHBOARDS.length} dashboards to ${JSON_DIR}`);
}
