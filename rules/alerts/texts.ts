/**
 * Alert texts: Simplified Chinese by default, English on request (issue 3). Each names the place, the period
 * where there is one, the indicator, value, limit and standard, e.g.
 * «朝阳区 2026年11月 室内鼠迹阳性率 6.2%，超过C级限值5%（GB/T 27770-2011）».
 * Chinese text uses full-width comma and brackets (GB/T 15834-2011 标点符号用法) and no space between a
 * limit and the words before it; English uses ASCII punctuation. Pure: names come in, strings go out.
 */
import type { LocalizedText } from '../../contracts/alert.ts';

export interface Bilingual {
  zh: string;
  en: string;
}

export interface PlaceNames {
  district: Bilingual;
  site?: Bilingual | undefined;
}

export type SamplingPoint = 'finished' | 'tap' | 'secondary';
export type BinCondition = 'full' | 'overflow' | 'not_emptied' | 'fire_risk' | 'tilted';
export type DeviceCondition = 'silent' | 'battery_low' | 'bait_low' | 'lid_open';

interface Common {
  place: PlaceNames;
  period?: Bilingual | undefined;
  value: number;
  limit: number;
  unit: string;
  standard?: string | undefined;
}

export type AlertTextInput =
  /** `inclusive`: the limit itself breaches (a `lt` comparison in the pack). `level` defaults to C. */
  | (Common & { kind: 'density'; indicator: Bilingual; level?: string | undefined; inclusive?: boolean | undefined })
  | (Common & { kind: 'dengue'; index: Bilingual; band: Bilingual; previousBand?: Bilingual | undefined })
  | (Common & { kind: 'water'; parameter: Bilingual; samplingPoint: SamplingPoint; bound: 'max' | 'min' })
  | (Common & { kind: 'bin'; condition: BinCondition; deviceId: string })
  | (Common & { kind: 'device_health'; condition: DeviceCondition; deviceId: string });

const ZH = { comma: '，', open: '（', close: '）' } as const;

const SAMPLING_POINTS: Readonly<Record<SamplingPoint, Bilingual>> = {
  finished: { zh: '出厂水', en: 'finished water' },
  tap: { zh: '末梢水', en: 'tap water' },
  secondary: { zh: '二次供水', en: 'secondary supply' },
};

const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2, useGrouping: false });

/** `6.2%`, `2.6 mg/L`, `72 °C`, `8.5` (pH has no unit). */
export function formatQuantity(value: number, unit: string): string {
  const n = numberFormat.format(value);
  if (unit === '') return n;
  return unit === '%' ? `${n}%` : `${n} ${unit}`;
}

const placeZh = (p: PlaceNames): string => (p.site ? `${p.district.zh} ${p.site.zh}` : p.district.zh);
const placeEn = (p: PlaceNames): string => (p.site ? `${p.site.en}, ${p.district.en}` : p.district.en);
const standardZh = (s: string | undefined): string => (s ? `${ZH.open}${s}${ZH.close}` : '');
const standardEn = (s: string | undefined): string => (s ? ` (${s})` : '');

/** «{place} {period} {what}，{finding}（{standard}）» and «{place}, {period}: {what}, {finding} ({standard})». */
function sentence(i: Common, what: Bilingual, finding: Bilingual): LocalizedText {
  const headZh = [placeZh(i.place), i.period?.zh, what.zh].filter(Boolean).join(' ');
  const headEn = [placeEn(i.place), i.period?.en].filter(Boolean).join(', ');
  return {
    zh: `${headZh}${ZH.comma}${finding.zh}${standardZh(i.standard)}`,
    en: `${headEn}: ${what.en}, ${finding.en}${standardEn(i.standard)}`,
  };
}

function binFinding(c: BinCondition, v: string, l: string): Bilingual {
  switch (c) {
    case 'full':
      return { zh: `已满${ZH.comma}填充率 ${v}${ZH.open}阈值${l}${ZH.close}`, en: `full, fill level ${v} (threshold ${l})` };
    case 'overflow':
      return { zh: `满溢${ZH.comma}填充率 ${v}${ZH.open}阈值${l}${ZH.close}`, en: `overflowing, fill level ${v} (threshold ${l})` };
    case 'not_emptied':
      return { zh: `满桶 ${v} 未清运${ZH.comma}超过时限${l}`, en: `not emptied ${v} after filling, beyond the limit of ${l}` };
    case 'fire_risk':
      return { zh: `温度 ${v}${ZH.comma}有火险${ZH.open}阈值${l}${ZH.close}`, en: `fire risk, temperature ${v} (threshold ${l})` };
    case 'tilted':
      return { zh: '桶体倾倒', en: 'tilted or knocked over' };
  }
}

function deviceFinding(c: DeviceCondition, v: string, l: string): Bilingual {
  switch (c) {
    case 'silent':
      return { zh: `已 ${v} 未上报数据${ZH.comma}超过允许的${l}`, en: `silent for ${v}, longer than the allowed ${l}` };
    case 'battery_low':
      return { zh: `电量 ${v}${ZH.comma}低于${l}`, en: `battery at ${v}, below ${l}` };
    case 'bait_low':
      return { zh: `毒饵余量 ${v}${ZH.comma}低于${l}`, en: `bait at ${v}, below ${l}` };
    case 'lid_open':
      return { zh: '盖子未关闭', en: 'lid open' };
  }
}

export function alertText(i: AlertTextInput): LocalizedText {
  const v = formatQuantity(i.value, i.unit);
  const l = formatQuantity(i.limit, i.unit);
  switch (i.kind) {
    case 'density': {
      const level = i.level ?? 'C';
      const finding = i.inclusive
        ? { zh: `达到或超过${level}级限值${l}`, en: `at or above the grade ${level} limit of ${l}` }
        : { zh: `超过${level}级限值${l}`, en: `above the grade ${level} limit of ${l}` };
      return sentence(i, { zh: `${i.indicator.zh} ${v}`, en: `${i.indicator.en} ${v}` }, finding);
    }
    case 'dengue': {
      const { band, previousBand: prev } = i;
      const finding = prev
        ? { zh: `风险由${prev.zh}升至${band.zh}${ZH.comma}报警阈值${l}`, en: `risk up from ${prev.en} to ${band.en}, alert threshold ${l}` }
        : { zh: `达到${band.zh}${ZH.comma}报警阈值${l}`, en: `${band.en}, alert threshold ${l}` };
      return sentence(i, { zh: `${i.index.zh} ${v}`, en: `${i.index.en} ${v}` }, finding);
    }
    case 'water': {
      const point = SAMPLING_POINTS[i.samplingPoint];
      const finding = i.bound === 'max'
        ? { zh: `超过限值${l}`, en: `above the limit of ${l}` }
        : { zh: `低于下限${l}`, en: `below the minimum of ${l}` };
      return sentence(i, { zh: `${point.zh} ${i.parameter.zh} ${v}`, en: `${point.en} ${i.parameter.en} ${v}` }, finding);
    }
    case 'bin': {
      const f = binFinding(i.condition, v, l);
      return sentence(i, { zh: `垃圾桶 ${i.deviceId}`, en: `bin ${i.deviceId}` }, f);
    }
    case 'device_health': {
      const f = deviceFinding(i.condition, v, l);
      return sentence(i, { zh: `设备 ${i.deviceId}`, en: `device ${i.deviceId}` }, f);
    }
  }
}
