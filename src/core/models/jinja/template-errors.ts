import { UnsupportedFeatureError, type SourceLocation } from '../errors';

/**
 * The file and 1-based line of a nunjucks error. nunjucks numbers lines from 1
 * when parsing and from 0 while rendering, and leaves the line out on line 0.
 */
export function templateErrorLocation(error: unknown, file: string, phase: 'compile' | 'render'): SourceLocation {
  const raw = error as { lineno?: unknown; colno?: unknown } | undefined;
  const lineno = typeof raw?.lineno === 'number' ? raw.lineno : undefined;
  const colno = typeof raw?.colno === 'number' ? raw.colno : undefined;
  if (lineno === undefined) return { file, line: 1 };
  if (phase === 'render') return { file, line: lineno + 1 };
  // Parse errors carry a meaningful column; render errors point at a call's parenthesis.
  const line = Math.max(1, lineno);
  return colno !== undefined && colno > 0 ? { file, line, column: colno } : { file, line };
}

const REFUSAL = /^(.+?) is not supported by the built-in runner\.?$/s;

/**
 * A construct the Jinja layer refuses (syntax.ts, filters, datetime) as the
 * typed refusal, so it carries the hint to use the dbt CLI runner.
 */
export function asRefusal(
  message: string,
  location: SourceLocation | undefined,
): (UnsupportedFeatureError & { feature: string }) | undefined {
  const match = REFUSAL.exec(message.trim());
  return match ? Object.assign(new UnsupportedFeatureError(match[1]!, location), { feature: match[1]! }) : undefined;
}
