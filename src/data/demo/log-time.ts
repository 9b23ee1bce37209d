import { DAY_MS } from './demo-genes.js';

/** The demo's logs cover the 30 days before `now`. */
const LOG_SPAN_DAYS = 30;

/** The first instant demo logs can have (they all lie in [start, now)). */
export const logSpanStart = (nowMs: number): number => nowMs - LOG_SPAN_DAYS * DAY_MS;

/**
 * Traffic follows the working day: density 1 + A·cos(2π(x − peak)) over the time of day x ∈ [0, 1), with
 * A = 0.6 (the busiest hour sees 4× the quietest) and the peak at 14:00 UTC (European afternoon, US morning).
 */
const AMPLITUDE = 0.6;
const PEAK = 14 / 24;

/** CDF over one 24-hour window whose traffic peaks at `peak` (fraction of the window). */
function dailyCdf(x: number, peak: number): number {
  const w = 2 * Math.PI;
  return x + (AMPLITUDE / w) * (Math.sin(w * (x - peak)) + Math.sin(w * peak));
}

function dailyDensity(x: number, peak: number): number {
  return 1 + AMPLITUDE * Math.cos(2 * Math.PI * (x - peak));
}

/** Inverse of the daily CDF by Newton's method; the density is ≥ 0.4, so 6 steps reach double precision. */
function timeOfDay(v: number, peak: number): number {
  let x = v;
  for (let i = 0; i < 6; i++) x -= (dailyCdf(x, peak) - v) / dailyDensity(x, peak);
  return Math.min(Math.max(x, 0), 1 - 1e-12);
}

/**
 * Timestamp (epoch ms) of log row `index` of `total`, given a uniform `jitter` in [0, 1). Rows are evenly
 * spaced in "traffic time" and mapped through the daily curve, so ids ascend with time (as a real log
 * table's do) and every hour holds its share of the traffic. Always within [now − 30 days, now).
 */
export function logTimestamp(index: number, total: number, jitter: number, nowMs: number): number {
  const u = (index + jitter) / total;
  const days = u * LOG_SPAN_DAYS;
  const day = Math.floor(days);
  const start = logSpanStart(nowMs);
  // The 24-hour windows start at `start`'s time of day, so the peak is placed relative to that.
  const startOfDay = (((start % DAY_MS) + DAY_MS) % DAY_MS) / DAY_MS;
  const peak = (PEAK - startOfDay + 1) % 1;
  return Math.min(nowMs - 1, Math.floor(start + (day + timeOfDay(days - day, peak)) * DAY_MS));
}
