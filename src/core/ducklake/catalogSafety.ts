import { LakehouseError } from '../errors';
import { quoteLiteral, type DuckDBSession } from '../lake/duckdb';

/**
 * A DuckDB-file catalog is a database, and a database can carry code: a view
 * named `ducklake_metadata` over `read_text('~/.ssh/id_rsa')` runs on the
 * reader's machine the moment anything selects from it. A DuckLake catalog
 * holds only tables with plain columns, so a catalog with views, macros or
 * computed columns is refused before any of its tables is read. (SQLite
 * catalogs are read through SQLite, which cannot read local files.)
 */
export class CatalogCodeError extends LakehouseError {
  constructor(found: { views: number; macros: number; computed: number }) {
    const parts = [
      found.views ? `${found.views} view(s)` : '',
      found.macros ? `${found.macros} macro(s)` : '',
      found.computed ? `${found.computed} computed or defaulted column(s)` : '',
    ].filter(Boolean);
    super(
      'catalog-unsafe',
      `The catalog file defines ${parts.join(', ')}; a DuckLake catalog holds only tables, so it was not read (reading it could run its SQL on this machine).`,
      'Check where this catalog came from. Restore it from a trusted copy (an earlier blob version or a backup).',
    );
  }
}

/** Refuses an attached DuckDB-file catalog (`alias`) that carries views, macros or computed columns. */
export async function refuseCatalogCode(session: DuckDBSession, alias: string): Promise<void> {
  const db = quoteLiteral(alias);
  // Reading DuckDB's own catalog functions executes nothing stored in the file.
  const [row] = await session.all<{ views: number; macros: number; computed: number }>(
    `SELECT
       (SELECT count(*) FROM duckdb_views() WHERE database_name = ${db} AND NOT internal)::INTEGER AS views,
       (SELECT count(*) FROM duckdb_functions() WHERE database_name = ${db})::INTEGER AS macros,
       (SELECT count(*) FROM duckdb_columns() WHERE database_name = ${db} AND column_default IS NOT NULL)::INTEGER AS computed`,
  );
  if (row && (row.views > 0 || row.macros > 0 || row.computed > 0)) throw new CatalogCodeError(row);
}

/**
 * A value read from a catalog, made fit for an error message: a short printable
 * line (a version, a path) as is, anything else only by its size — catalog
 * content is never echoed raw into a terminal or a CI log.
 */
export function showCatalogValue(value: unknown): string {
  if (value === undefined || value === null) return 'none';
  const text = String(value);
  // No control, C1 or bidi-override characters: nothing that moves a terminal's cursor, colours it,
  // reorders what is shown, or spills a multi-line file into a log.
  if (text.length <= 200 && !/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(text))
    return text;
  return `(a value of ${text.length} characters that is not shown)`;
}
