import { describe, expect, it } from 'vitest';
import { formatDuration, formatUtcTime, parseDuration } from '../../../src/core/util/duration';

describe('durations', () => {
  it('parses the forms settings accept', () => {
    expect(parseDuration('12h')).toBe(12 * 3_600_000);
    expect(parseDuration('1h30m')).toBe(90 * 60_000);
    expect(parseDuration('90m')).toBe(90 * 60_000);
    expect(parseDuration('2d')).toBe(2 * 86_400_000);
    expect(parseDuration('45')).toBe(45_000);
    expect(parseDuration(3)).toBe(3_000);
  });

  it('rejects garbage with a config error', () => {
    for (const bad of ['', 'soon', '12 hours', '5x', '-1h'])
      expect(() => parseDuration(bad)).toThrow(/Invalid duration/);
  });

  it('formats two units for people', () => {
    expect(formatDuration(72 * 60_000)).toBe('1 h 12 m');
    expect(formatDuration(13 * 3_600_000)).toBe('13 h');
    expect(formatDuration(26 * 3_600_000)).toBe('1 d 2 h');
    expect(formatDuration(4_500)).toBe('5 s');
    expect(formatDuration(-10)).toBe('0 s');
  });

  it('shows a date only when it is not today', () => {
    const now = new Date('2026-11-24T12:00:00Z');
    expect(formatUtcTime(new Date('2026-11-24T10:02:00Z'), now)).toBe('10:02 UTC');
    expect(formatUtcTime(new Date('2026-11-23T10:02:00Z'), now)).toBe('Nov 23 10:02 UTC');
  });
});
