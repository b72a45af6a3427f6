/**
 * Worker thread of day-partials-reader.ts: reads roll-up sums from its own connection to the metadata database (WAL:
 * readers do not block the writer), so a city-wide read (~1 s at 20,000 devices) does not stall the event loop that
 * also acknowledges devices' readings.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../../../platform/sqlite.ts';
import { createDayPartialsStore, type PartialsWhere } from './day-partials-store.ts';

export interface ReadRequest {
  id: number;
  fromMs: number;
  toMs: number;
  config: string;
  where: PartialsWhere;
}

const store = createDayPartialsStore(openDatabase((workerData as { path: string }).path));
parentPort!.on('message', (r: ReadRequest) => {
  try {
    parentPort!.postMessage({ id: r.id, partials: store.read(r.fromMs, r.toMs, r.config, r.where) });
  } catch (err) {
    parentPort!.postMessage({ id: r.id, error: err instanceof Error ? err.message : String(err) });
  }
});
