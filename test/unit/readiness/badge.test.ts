import { describe, expect, it } from 'vitest';
import { describeFinding, parseSku, type ReadinessFinding } from '../../../src/core/readiness';
import { readinessBadge } from '../../../src/extension/tree/readinessBadge';

const finding = (severity: 'error' | 'warning', code: ReadinessFinding['code']): ReadinessFinding => ({
  table: 'main.t',
  code,
  severity,
  message: `${code} message.`,
  fix: `${code} fix.`,
});

describe('readiness badge on table nodes', () => {
  it('shows nothing before a check ran, a clean tooltip after a clean one', () => {
    expect(readinessBadge(undefined)).toEqual({});
    expect(readinessBadge([])).toEqual({ tooltip: 'Fabric readiness: no findings' });
  });

  it('counts findings, marks errors, and lists each message with its fix', () => {
    const badge = readinessBadge([finding('warning', 'small-row-groups'), finding('error', 'nan-value')]);
    expect(badge.description).toBe('⛔ 2');
    expect(badge.ariaSuffix).toBe('2 Fabric readiness finding(s), 1 error(s)');
    expect(badge.tooltip).toBe(
      'Fabric readiness: 2 finding(s), 1 error(s)\n⚠ small-row-groups message.\n   Fix: small-row-groups fix.\n⛔ nan-value message.\n   Fix: nan-value fix.',
    );
    expect(readinessBadge([finding('warning', 'timestamp-ntz')]).description).toBe('⚠ 1');
  });
});

describe('SKUs and finding text', () => {
  it('parses SKUs case-insensitively, defaults to F2, refuses unknown ones', () => {
    expect(parseSku(undefined)).toBe('F2');
    expect(parseSku(' f64 ')).toBe('F64');
    expect(parseSku('F99')).toBeUndefined();
  });

  it('describes a finding on one line with its fix', () => {
    expect(describeFinding(finding('error', 'binary-column'))).toBe(
      'error main.t [binary-column]: binary-column message. Fix: binary-column fix.',
    );
  });
});
