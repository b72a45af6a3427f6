/** The type of a device's site, which shapes its profile (a market bin fills faster than a street bin). */
import type { ReferenceData } from '../contracts/registry.ts';
import type { SiteType } from './profiles/types.ts';

/** Id tokens the demo seed uses (`yx-market-dongshan`, `th-rest-tiyuxilu`, …), for when no reference data is at hand. */
const TOKENS: Readonly<Record<string, SiteType>> = {
  market: 'market',
  rest: 'restaurant',
  restaurant: 'restaurant',
  res: 'residential',
  residential: 'residential',
  school: 'school',
  hosp: 'hospital',
  hospital: 'hospital',
  park: 'park',
  toilet: 'public_toilet',
  transfer: 'transfer_station',
  water: 'waterworks',
  waterworks: 'waterworks',
  street: 'street',
};

/** The site's type from the reference data if given, else guessed from the id's tokens, else `other`. */
export function siteTypeOf(siteId: string, ref?: ReferenceData): SiteType {
  const site = ref?.sites.find((s) => s.id === siteId);
  if (site) return site.type;
  for (const token of siteId.toLowerCase().split(/[-_]/)) {
    const t = TOKENS[token];
    if (t) return t;
  }
  return 'other';
}
