/**
 * One `alert_event` point per transition, written with `InfluxHttp.write` (platform/influx-http.ts), for
 * dashboards (alerts over time, time to acknowledge). Tags: district, kind, severity, rule, transition.
 * Fields: alertId, value (the latest), limit, count, escalationLevel, eventId.
 *
 * Point identity: InfluxDB overwrites a point with the same measurement, tags and time (peers.md §2.3,
 * influxdata/influxdb#4150). Two transitions of the same rule in one millisecond would collide, so the
 * nanosecond part of the timestamp carries the event id (mod 10⁶): a redelivered event overwrites itself,
 * never another one.
 */
import type { AlertEvent } from '../../../contracts/alert.ts';
import type { InfluxHttp } from '../../../platform/influx-http.ts';
import type { AlertPublisher } from './publisher.ts';

export const ALERT_EVENT_MEASUREMENT = 'alert_event';

/** Line protocol escaping: tag keys/values and measurement escape commas, spaces and `=`; strings `"` and `\`. */
const escapeTag = (s: string): string => s.replace(/[\\,= ]/g, (c) => `\\${c}`).replace(/\n/g, '\\n');
const escapeString = (s: string): string => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

export function alertEventLine(event: AlertEvent, measurement = ALERT_EVENT_MEASUREMENT): string {
  const a = event.alert;
  const tags = [
    ['district', a.districtId],
    ['kind', a.kind],
    ['rule', a.ruleId],
    ['severity', a.severity],
    ['transition', event.transition],
  ]
    .map(([k, v]) => `${k}=${escapeTag(v as string)}`)
    .join(',');
  const fields = [
    `alertId=${escapeString(a.id)}`,
    `value=${a.lastValue}`,
    `limit=${a.limit}`,
    `count=${a.count}i`,
    `escalationLevel=${a.escalationLevel}i`,
    `eventId=${event.eventId}i`,
  ].join(',');
  const ns = BigInt(Date.parse(event.at)) * 1_000_000n + BigInt(event.eventId % 1_000_000);
  return `${escapeTag(measurement)},${tags} ${fields} ${ns}`;
}

export function createInfluxEventsPublisher(opts: { influx: Pick<InfluxHttp, 'write'>; measurement?: string; timeoutMs?: number }): AlertPublisher {
  return {
    name: 'influx',
    publish: (event) => opts.influx.write(alertEventLine(event, opts.measurement), { timeoutMs: opts.timeoutMs ?? 10_000 }),
  };
}
