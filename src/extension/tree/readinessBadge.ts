import type { ReadinessFinding } from '../../core/readiness/findings';

/** Tree description suffix and tooltip lines for a table node. */
export function readinessBadge(findings: readonly ReadinessFinding[] | undefined): {
  description?: string;
  tooltip?: string;
  /** For screen readers, which do not read the ⛔/⚠ glyph. */
  ariaSuffix?: string;
} {
  if (!findings) return {};
  if (findings.length === 0) return { tooltip: 'Fabric readiness: no findings' };
  const errors = findings.filter((f) => f.severity === 'error').length;
  return {
    description: `${errors > 0 ? '⛔' : '⚠'} ${findings.length}`,
    ariaSuffix: `${findings.length} Fabric readiness finding(s), ${errors} error(s)`,
    tooltip: [
      `Fabric readiness: ${findings.length} finding(s), ${errors} error(s)`,
      ...findings.map((f) => `${f.severity === 'error' ? '⛔' : '⚠'} ${f.message}\n   Fix: ${f.fix}`),
    ].join('\n'),
  };
}
