import { ConfigError } from '../errors';

const UNITS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

/** Parses `12h`, `90m`, `1h30m`, `45s`, `2d` (or a bare number of seconds) to milliseconds. */
export function parseDuration(text: string | number, what = 'duration'): number {
  if (typeof text === 'number') {
    if (!Number.isFinite(text) || text < 0)
      throw new ConfigError(`Invalid ${what}: ${text}.`, 'Use e.g. 12h, 90m or 30s.');
    return text * 1000;
  }
  const trimmed = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)\s*(ms|d|h|m|s)/g)];
  const consumed = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || consumed.replace(/\s/g, '') !== trimmed.replace(/\s/g, '')) {
    throw new ConfigError(`Invalid ${what} '${text}'.`, 'Use a number with a unit, e.g. 12h, 90m, 1h30m or 30s.');
  }
  return parts.reduce((sum, [, value, unit]) => sum + Number(value) * (UNITS[unit!] ?? 0), 0);
}

/** `1 h 12 m`, `45 s`, `3 d 4 h`: the two largest units, for people. */
export function formatDuration(ms: number): string {
  const abs = Math.max(0, Math.round(ms / 1000));
  const d = Math.floor(abs / 86_400);
  const h = Math.floor((abs % 86_400) / 3_600);
  const m = Math.floor((abs % 3_600) / 60);
  const s = abs % 60;
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} m` : `${h} h`;
  if (m > 0) return s > 0 && m < 10 ? `${m} m ${s} s` : `${m} m`;
  return `${s} s`;
}

/** `10:02 UTC` for today, `Nov 23 10:02 UTC` otherwise. */
export function formatUtcTime(date: Date, now: Date): string {
  const hhmm = date.toISOString().slice(11, 16);
  const sameDay = date.toISOString().slice(0, 10) === now.toISOString().slice(0, 10);
  if (sameDay) return `${hhmm} UTC`;
  const month = date.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  return `${month} ${date.getUTCDate()} ${hhmm} UTC`;
}
