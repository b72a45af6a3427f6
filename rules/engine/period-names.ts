/**
 * Period labels as people read them in alert texts: «2026年11月» / «November 2026», «2026年第47周» / «week 47 of
 * 2026», «2026年11月22日» / «22 November 2026». Pure: the period's own label carries everything needed.
 */
import type { Bilingual } from '../alerts/texts.ts';
import type { Period } from '../periods.ts';

const MONTHS_EN = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export function periodNames(period: Pick<Period, 'kind' | 'label'>): Bilingual & { id: string } {
  const id = period.label;
  let m = /^(\d{4})-(\d{2})$/.exec(id);
  if (period.kind === 'month' && m) {
    const [y, mo] = [Number(m[1]), Number(m[2])];
    return { id, zh: `${y}年${mo}月`, en: `${MONTHS_EN[mo - 1]} ${y}` };
  }
  m = /^(\d{4})-W(\d{2})$/.exec(id);
  if (period.kind === 'week' && m) {
    const [y, w] = [Number(m[1]), Number(m[2])];
    return { id, zh: `${y}年第${w}周`, en: `week ${w} of ${y}` };
  }
  m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(id);
  if (period.kind === 'day' && m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    return { id, zh: `${y}年${mo}月${d}日`, en: `${d} ${MONTHS_EN[mo - 1]} ${y}` };
  }
  return { id, zh: id, en: id };
}
