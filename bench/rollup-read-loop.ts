/**
 * How long the engine's city-wide roll-up read holds the event loop (docs/benchmarks.md, grading): a month of daily
 * roll-ups for N devices (rodent stations 50 %, sticky traps 30 %, light traps 20 %) in a SQLite file, then the same
 * read in line (`store.read`) and off the loop (`store.readAsync`, day-partials-reader.ts), 3 runs each, with the
 * event loop's longest stall while it runs (the longest gap between ticks of a 5 ms timer) and the wall time.
 * `node bench/rollup-read-loop.ts [--devices 20000]`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../platform/sqlite.ts';
import { createDayPartialsStore } from '../rules/engine/density/day-partials-store.ts';
import { emptyPartials } from '../rules/engine/density/sensor-aggregates.ts';

const { values } = parseArgs({ options: { devices: { type: 'string', default: '20000' } } });
const devices = Number(values.devices);
const DAY = 86_400_000;
const DAYS = 31;
const CONFIG = 'Asia/Shanghai|night 19-5|v1';

const dir = mkdtempSync(join(tmpdir(), 'vw-rollup-read-'));
const db = openDatabase(join(dir, 'meta.db'));
const store = createDayPartialsStore(db);
for (let d = 0; d < DAYS; d++) {
  const p = emptyPartials();
  for (let i = 0; i < devices; i++) {
    const t = { deviceId: `dev-${i}`, siteId: `site-${i % 400}`, districtId: `district-${i % 10}` };
    const k = `${t.deviceId}\u0000${t.siteId}`;
    if (i % 10 < 5) p.rodent.set(k, { ...t, reports: 24, visits: i % 3, caught: 0, covered: 86_400 });
    else if (i % 10 < 8) p.sticky.set(k, { ...t, reports: 24, total: i % 7, target: 'fly' });
    else p.mosquito.set(k, { ...t, reports: 12, buckets: [], nights: [{ night: `night-${d}`, coveredNight: true, females: i % 5 }] });
  }
  store.put({ startMs: d * DAY, endMs: (d + 1) * DAY }, p, { config: CONFIG, fetchedAtMs: 1 });
}

async function measure(label: string, read: () => Partials | Promise<Partials>): Promise<void> {
  for (let run = 1; run <= 3; run++) {
    // A 5 ms timer stands for what a stalled loop delays (PUBACKs, in the one-process stack): its longest gap.
    let last = performance.now();
    let maxGap = 0;
    const tick = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 5);
    await new Promise((r) => setTimeout(r, 20));
    const t0 = performance.now();
    const out = await read();
    const ms = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 20));
    clearInterval(tick);
    console.log(`${label} run ${run}: ${ms.toFixed(0)} ms wall, longest event-loop stall ${maxGap.toFixed(0)} ms (${out.rodent.size + out.sticky.size + out.mosquito.size} devices)`);
  }
}
type Partials = ReturnType<typeof emptyPartials>;

console.log(`${devices} devices × ${DAYS} days of roll-ups, Node ${process.version}`);
await measure('in line   ', () => store.read(0, DAYS * DAY, CONFIG));
await measure('off thread', () => store.readAsync(0, DAYS * DAY, CONFIG));
await store.close();
db.close();
rmSync(dir, { recursive: true, force: true });
