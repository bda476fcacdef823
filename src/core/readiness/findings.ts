/** What Direct Lake will reject (error) or read slowly (warning), per table. See docs/READINESS.md. */
export type ReadinessCode =
  | 'binary-column'
  | 'complex-column'
  | 'guid-column'
  | 'timestamp-ntz'
  | 'not-exportable-type'
  | 'long-string'
  | 'nan-value'
  | 'small-row-groups'
  | 'too-many-files'
  | 'too-many-row-groups'
  | 'unflushed-deletes'
  | 'inlined-data'
  | 'needs-rewrite'
  | 'unsafe-path'
  | 'files-missing';

export type ReadinessSeverity = 'error' | 'warning';

export interface ReadinessFinding {
  /** `schema.table` */
  table: string;
  code: ReadinessCode;
  severity: ReadinessSeverity;
  /** What is wrong, with the numbers and the column. */
  message: string;
  /** What to change (SQL where there is one). */
  fix: string;
}

export interface ReadinessReport {
  sku: string;
  snapshotId: number;
  /** Every live table checked, `schema.table`, findings or not. */
  tables: string[];
  findings: ReadinessFinding[];
}

export function errorsOf(findings: readonly ReadinessFinding[]): ReadinessFinding[] {
  return findings.filter((f) => f.severity === 'error');
}

/** One line per finding, for logs, the CLI and error messages. */
export function describeFinding(f: ReadinessFinding): string {
  return `${f.severity === 'error' ? 'error' : 'warning'} ${f.table} [${f.code}]: ${f.message} Fix: ${f.fix}`;
}
