/**
 * Guangzhou's climate as a smooth function of time, shared by every profile that needs temperature, humidity,
 * daylight or a season. Means, not weather: profiles add their own noise.
 */
import { dayOfYear, localHour, monthPosition } from './local-time.ts';

/**
 * Monthly mean air temperature, °C, January first. Approximate, rounded from the China Meteorological Administration
 * 1991–2020 normals for Guangzhou (as tabulated in Wikipedia, "Guangzhou", section Climate).
 */
const MEAN_AIR_TEMP_C = [13.9, 15.6, 18.5, 22.5, 25.9, 27.9, 29.1, 28.9, 27.7, 25.0, 20.7, 15.9] as const;
/** Mean daily temperature range, °C (same source: daily max − daily min, rounded). */
const DAILY_RANGE_C = [7.5, 6.6, 5.8, 5.7, 6.3, 6.2, 7.0, 6.9, 7.1, 7.7, 8.1, 8.3] as const;
/** Monthly mean relative humidity, % (same source, rounded). */
const MEAN_HUMIDITY_PCT = [72, 77, 81, 83, 84, 84, 81, 81, 77, 71, 70, 67] as const;

/** Linear interpolation between month midpoints, wrapping December → January. */
export function monthly(table: readonly number[], tsMs: number): number {
  const pos = monthPosition(tsMs) - 0.5;
  const i = Math.floor(pos);
  const f = pos - i;
  const a = table[(i + 12) % 12] ?? 0;
  const b = table[(i + 13) % 12] ?? 0;
  return a + (b - a) * f;
}

/** Sunrise and sunset, local hours. A cosine fit for 23.1° N (±0.7 h around 06:25 / 18:35; solstice 21 June). */
export function sunTimes(tsMs: number): { sunrise: number; sunset: number } {
  const swing = 0.7 * Math.cos((2 * Math.PI * (dayOfYear(tsMs) - 171)) / 365.25);
  return { sunrise: 6.42 - swing, sunset: 18.58 + swing };
}

/** Daily cycle in [-1, 1]: −1 near 06:00 (coolest), +1 near 14:00 (warmest). */
function diurnal(hour: number): number {
  return Math.cos((2 * Math.PI * (hour - 14)) / 24) * 0.85 + Math.cos((4 * Math.PI * (hour - 14)) / 24) * 0.15;
}

/** Mean air temperature for this moment, °C. */
export function airTempC(tsMs: number): number {
  return monthly(MEAN_AIR_TEMP_C, tsMs) + 0.5 * monthly(DAILY_RANGE_C, tsMs) * diurnal(localHour(tsMs));
}

/** Mean relative humidity for this moment, %: highest at dawn, lowest in the afternoon. */
export function humidityPct(tsMs: number): number {
  return Math.min(100, monthly(MEAN_HUMIDITY_PCT, tsMs) - 9 * diurnal(localHour(tsMs)));
}

/** A bell curve of the hour around `center` (wrapping midnight), peak 1. */
export function bell(hour: number, center: number, sd: number): number {
  let d = Math.abs(hour - center) % 24;
  if (d > 12) d = 24 - d;
  return Math.exp(-0.5 * (d / sd) ** 2);
}

/** True when the hour lies between `from` and `to`, wrapping midnight (e.g. 20 → 5). */
export function between(hour: number, from: number, to: number): boolean {
  return from <= to ? hour >= from && hour < to : hour >= from || hour < to;
}
