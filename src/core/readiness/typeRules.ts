import { mapColumnType, type ColumnNode, type SchemaIssue } from '../delta/schema';
import type { ReadinessFinding } from './findings';

type Finding = Omit<ReadinessFinding, 'table'>;

/**
 * Column types Direct Lake rejects or misreads, judged on top-level columns
 * (a complex column is reported once, not per field). Types the Delta
 * exporter cannot map at all come from its own mapping, so the two never
 * disagree about what reaches Fabric.
 */
export function typeFindings(columns: readonly ColumnNode[], qualified: string): Finding[] {
  const findings: Finding[] = [];
  const rewrite = (column: string, expr: string) =>
    `CREATE OR REPLACE TABLE ${qualified} AS SELECT * REPLACE (${expr} AS "${column}") FROM ${qualified}`;
  for (const column of columns) {
    const type = column.type.toLowerCase();
    const name = column.name;
    if (type === 'blob') {
      findings.push({
        code: 'binary-column',
        severity: 'error',
        message: `column ${name} is BLOB (Delta binary), which Direct Lake does not load.`,
        fix: `Drop it from the table Fabric reads, or store it as text: ${rewrite(name, `to_base64("${name}")`)}.`,
      });
    } else if (type === 'list' || type === 'struct' || type === 'map') {
      findings.push({
        code: 'complex-column',
        severity: 'error',
        message: `column ${name} is ${type.toUpperCase()}, a complex type Direct Lake does not load.`,
        fix: `Flatten it into plain columns (unnest or one column per field), or keep it as JSON text: ${rewrite(name, `to_json("${name}")::VARCHAR`)}.`,
      });
    } else if (type === 'uuid') {
      findings.push({
        code: 'guid-column',
        severity: 'error',
        message: `column ${name} is UUID: Delta has no UUID type and Direct Lake rejects GUID columns.`,
        fix: `Store it as text: ${rewrite(name, `"${name}"::VARCHAR`)}.`,
      });
    } else if (type === 'timestamp' || type === 'timestamp_s' || type === 'timestamp_ms') {
      findings.push({
        code: 'timestamp-ntz',
        severity: 'warning',
        message: `column ${name} is ${column.type.toUpperCase()} without a time zone: Direct Lake rejects TIMESTAMP_NTZ, so the export writes it as a UTC timestamp and reports show the stored wall-clock time as UTC.`,
        fix: `Store instants as TIMESTAMPTZ: ${rewrite(name, `"${name}"::TIMESTAMPTZ`)} (after SET TimeZone to the zone the values were written in).`,
      });
    } else {
      const problems: SchemaIssue[] = [];
      mapColumnType(column, name, problems);
      for (const problem of problems) {
        findings.push({
          code: 'not-exportable-type',
          severity: 'error',
          message: `column ${problem.column}: ${problem.message}; the Delta export skips the table, so Fabric does not see it.`,
          fix: `Cast the column as the message says, e.g. ${rewrite(name, `"${name}"::<type>`)}.`,
        });
      }
    }
  }
  return findings;
}
