/**
 * What the dashboards are tested against: a simulated fleet's telemetry (the demo sites, `planFleet`, the
 * device profiles, ingest's own line-protocol mapping), plus points of the schemas other services write —
 * `indicator` (rules engine), `alert_event` (`alertEventLine`), `ingest_stats` (ingest) — and a few planted bins
 * whose answers are known (one full for more than a day, one emptied, one tilted and hot).
 */
import type { AlertEvent, Alert } from '../contracts/alert.ts';
import type { Device, DeviceRegistration, ReferenceData } from '../contracts/registry.ts';
import { TelemetrySchema } from '../contracts/telemetry.ts';
import { planFleet } from '../devices-sim/fleet.ts';
import { createProfile } from '../devices-sim/profiles/index.ts';
import { buildReading } from '../devices-sim/reading.ts';
import { escapeKey, formatFloat, formatInteger, quoteString } from '../ingest/line-protocol.ts';
import { toLineProtocol } from '../ingest/to-point.ts';
import { alertEventLine } from '../rules/alerts/publishers/influx-events.ts';
import { densityPacks } from './packs.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface TestData {
  lines: string[];
  /** Alerts whose latest event is not `resolved`. */
  openAlertIds: string[];
  /** The one bin full for longer than the emptying window without being emptied. */
  overdueBin: string;
  rejectionCodes: string[];
}

function device(reg: DeviceRegistration, ref: ReferenceData): Device {
  const site = ref.sites.find((s) => s.id === reg.siteId);
  if (!site) throw new Error(`no site ${reg.siteId}`);
  return {
    id: reg.id, kind: reg.kind, siteId: site.id, districtId: site.districtId, contractorId: site.contractorId,
    placement: reg.placement, samplingPoint: reg.samplingPoint ?? null, location: reg.location ?? null,
    label: reg.label ?? null, status: 'active', createdAt: new Date(0).toISOString(),
  };
}

function telemetry(ref: ReferenceData, nowMs: number, hours: number, stepMs: number): string[] {
  const lines: string[] = [];
  for (const reg of planFleet(ref, { devices: 80, seed: 7 })) {
    const profile = createProfile(reg, 7, ref);
    const dev = device(reg, ref);
    let seq = 0;
    for (let t = nowMs - hours * HOUR; t < nowMs - 60_000; t += stepMs) {
      const reading = TelemetrySchema.parse(buildReading(reg.kind, seq++, t, profile.next(t, stepMs / 1000), 'epoch'));
      lines.push(toLineProtocol(reading, dev, t));
    }
  }
  return lines;
}

/** Bins with a known story, at a real demo site so the district/site variables find them. */
function plantedBins(ref: ReferenceData, nowMs: number): { lines: string[]; overdue: string } {
  const site = ref.sites.find((s) => s.type === 'market' && s.districtId === 'yuexiu') ?? ref.sites[0]!;
  const bin = (id: string): Device => device({ id, kind: 'bin_sensor', siteId: site.id, placement: 'outdoor' }, ref);
  const line = (id: string, seq: number, t: number, fillPct: number, tempC = 26, tilted = false) =>
    toLineProtocol(TelemetrySchema.parse({ v: 1, kind: 'bin_sensor', seq, ts: t, battery: 70, rssi: -80, fillPct, distanceMm: 100, tempC, tilted, lidOpen: false }), bin(id), t);
  const lines: string[] = [];
  for (let h = 30, seq = 0; h >= 0; h--, seq++) {
    const t = nowMs - h * HOUR - 120_000;
    lines.push(line('planted-bin-overdue', seq, t, 88 + (h % 3))); // full all along
    lines.push(line('planted-bin-emptied', seq, t, h === 12 ? 10 : 90)); // full, emptied 12 h ago, full again
    lines.push(line('planted-bin-tilted', seq, t, 40, h === 2 ? 72 : 25, h === 3)); // tilted once, hot once
  }
  return { lines, overdue: 'planted-bin-overdue' };
}

/** Indicator points of the `indicator` schema (contracts/influx-schema.ts), monthly, for both districts. */
function indicators(nowMs: number): string[] {
  const lines: string[] = [];
  const level = (v: number, l: { A: number; B: number; C: number } | null) => (l === null ? 'reported' : v <= l.A ? 'A' : v <= l.B ? 'B' : v <= l.C ? 'C' : 'below_C');
  for (const pack of densityPacks()) {
    pack.indicators.forEach((ind, i) => {
      for (const [d, district] of ['yuexiu', 'tianhe'].entries()) {
        for (let month = 4; month >= 0; month--) {
          const t = nowMs - month * 30 * DAY - DAY;
          const c = ind.limits?.C ?? 10;
          const value = Number(((c * (0.3 + 0.3 * ((i + d + month) % 5))) || 0.5).toFixed(3));
          const denominator = 200;
          const numerator = (value * denominator) / ind.formula.scale;
          const period = new Date(t).toISOString().slice(0, 7);
          const tags = [
            ['district', district], ['indicator', ind.id], ['pack', pack.id], ['period', period], ['period_kind', 'month'],
            ['scope', district], ['scope_level', 'district'], ['vector', pack.vector],
          ].map(([k, v]) => `${escapeKey(k!)}=${escapeKey(v!)}`).join(',');
          const fields = [
            `value=${formatFloat(value)}`, `numerator=${formatFloat(numerator)}`, `denominator=${formatFloat(denominator)}`,
            `sample_size=${formatInteger(denominator)}`,
            ...(ind.limits ? [`limit_a=${formatFloat(ind.limits.A)}`, `limit_b=${formatFloat(ind.limits.B)}`, `limit_c=${formatFloat(ind.limits.C)}`, ...(ind.limits.C > 0 ? [`ratio_to_c=${formatFloat(value / ind.limits.C)}`] : [])] : []),
            `level=${quoteString(level(value, ind.limits))}`,
          ].join(',');
          lines.push(`indicator,${tags} ${fields} ${BigInt(t) * 1_000_000n}`);
        }
      }
    });
  }
  return lines;
}

function alertEvents(nowMs: number): { lines: string[]; open: string[] } {
  const iso = (ms: number) => new Date(ms).toISOString();
  const base = (over: Partial<Alert> & Pick<Alert, 'id' | 'ruleId' | 'kind' | 'districtId'>): Alert => ({
    key: `${over.ruleId}@district:${over.districtId}`, severity: 'major', state: 'open', scope: { level: 'district', id: over.districtId },
    value: 6, limit: 5, unit: '%', standard: 'GB/T 27770-2011', text: { zh: '测试告警', en: 'test alert' },
    openedAt: iso(nowMs - 3 * DAY), lastSeenAt: iso(nowMs - 3 * DAY), count: 1, lastValue: 6, escalationLevel: 0, resolution: null,
    ...over,
  });
  let eventId = 0;
  const ev = (transition: AlertEvent['transition'], alert: Alert, atMs: number): string =>
    alertEventLine({ version: 1, eventId: ++eventId, transition, at: iso(atMs), actor: 'system', note: null, alert });
  const density = base({ id: 'alert-density-yx', ruleId: 'density.rodent.indoor-sign-rate', kind: 'density', districtId: 'yuexiu' });
  const water = base({ id: 'alert-water-th01', ruleId: 'water.free-chlorine.tap-min', kind: 'water', districtId: 'tianhe', severity: 'critical', unit: 'mg/L', standard: 'GB 5749-2022' });
  const bin = base({ id: 'alert-bin-yx-001', ruleId: 'bin.full', kind: 'bin', districtId: 'yuexiu', severity: 'minor', unit: '%', standard: 'bin-policy' });
  const lines = [
    ev('opened', density, nowMs - 3 * DAY),
    ev('acknowledged', { ...density, state: 'acknowledged' }, nowMs - 2 * DAY),
    ev('opened', water, nowMs - 2 * DAY),
    ev('resolved', { ...water, state: 'resolved', resolution: 'auto' }, nowMs - DAY),
    ev('opened', bin, nowMs - 5 * HOUR),
  ];
  return { lines, open: [density.id, bin.id] };
}

function ingestStats(nowMs: number): { lines: string[]; codes: string[] } {
  const codes = ['SCHEMA_INVALID', 'UNKNOWN_DEVICE', 'STALE_OR_FUTURE_TS'];
  const lines: string[] = [];
  for (let m = 24 * 60; m > 0; m -= 10) {
    const ns = BigInt(nowMs - m * 60_000) * 1_000_000n;
    lines.push(`ingest_stats,code=none,instance=ingest-1,outcome=stored count=${480 + (m % 7)}i,intervalS=600i ${ns}`);
    lines.push(`ingest_stats,code=none,instance=ingest-1,outcome=duplicate count=${m % 3}i,intervalS=600i ${ns}`);
    const code = codes[m % codes.length]!;
    lines.push(`ingest_stats,code=${code},instance=ingest-1,outcome=rejected count=${1 + (m % 4)}i,intervalS=600i ${ns}`);
  }
  return { lines, codes };
}

export function dashboardTestData(ref: ReferenceData, nowMs: number): TestData {
  const bins = plantedBins(ref, nowMs);
  const alerts = alertEvents(nowMs);
  const stats = ingestStats(nowMs);
  return {
    lines: [...telemetry(ref, nowMs, 30, 30 * 60_000), ...bins.lines, ...indicators(nowMs), ...alerts.lines, ...stats.lines],
    openAlertIds: alerts.open,
    overdueBin: bins.overdue,
    rejectionCodes: stats.codes,
  };
}

