/**
 * Where the demo sites are. Approximate centres read off public maps of Guangzhou (WGS-84, ~100 m); demo data, not
 * survey data. Sites not listed get a point derived from their id inside the Yuexiu–Tianhe area, so any reference
 * data works.
 */
import type { Rng } from './random.ts';
import { createRng } from './random.ts';

export interface LatLon {
  lat: number;
  lon: number;
}

const KNOWN: Readonly<Record<string, LatLon>> = {
  'yx-market-dongshan': { lat: 23.1233, lon: 113.2958 },
  'yx-rest-beijinglu': { lat: 23.1251, lon: 113.2705 },
  'yx-toilet-huanghua': { lat: 23.1382, lon: 113.2893 },
  'yx-res-liurong': { lat: 23.1318, lon: 113.2622 },
  'yx-transfer-dadong': { lat: 23.1306, lon: 113.2921 },
  'yx-park-yuexiu': { lat: 23.1395, lon: 113.2663 },
  'yx-hosp-zhongshan': { lat: 23.1286, lon: 113.2868 },
  'yx-water-xicun': { lat: 23.1468, lon: 113.2452 },
  'th-market-shipai': { lat: 23.1372, lon: 113.3418 },
  'th-rest-tiyuxilu': { lat: 23.1349, lon: 113.3221 },
  'th-school-huashi': { lat: 23.1418, lon: 113.3492 },
  'th-res-zhujiang': { lat: 23.1188, lon: 113.3234 },
  'th-toilet-tianhepark': { lat: 23.1262, lon: 113.3672 },
  'th-transfer-longdong': { lat: 23.1968, lon: 113.3681 },
  'th-street-huacheng': { lat: 23.1205, lon: 113.3255 },
  'th-water-liede': { lat: 23.1131, lon: 113.3335 },
};

/** Guangzhou's old core (Yuexiu and Tianhe), where unknown sites are placed. */
const AREA = { lat: [23.105, 23.16], lon: [113.24, 113.37] } as const;

export function siteCentre(siteId: string): LatLon {
  const known = KNOWN[siteId];
  if (known) return known;
  const r = createRng(`site-location:${siteId}`);
  return { lat: r.float(AREA.lat[0], AREA.lat[1]), lon: r.float(AREA.lon[0], AREA.lon[1]) };
}

/** A device's position: the site centre plus up to ~150 m of jitter, rounded to 6 decimals (~0.1 m). */
export function jitter(centre: LatLon, rng: Rng, metres = 150): LatLon {
  const dLat = (rng.float(-1, 1) * metres) / 111_320;
  const dLon = (rng.float(-1, 1) * metres) / (111_320 * Math.cos((centre.lat * Math.PI) / 180));
  const r6 = (x: number): number => Math.round(x * 1e6) / 1e6;
  return { lat: r6(centre.lat + dLat), lon: r6(centre.lon + dLon) };
}
