import type { SourceLocation } from '../errors';

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
