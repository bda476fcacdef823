import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Database, SqlJsStatic, SqlValue } from 'sql.js';
import { quoteIdentifier } from '../lake/duckdb';
import type { CatalogBackend } from './catalogBackend';
import { CatalogFormatError } from './errors';

/**
 * A SQLite catalog read with SQLite itself compiled to WebAssembly (sql.js),
 * so reading catalog metadata needs neither DuckDB's native binding nor its
 * sqlite_scanner extension: that start-up was most of a small publish's and a
 * Delta export's fixed cost. The file's bytes are read into memory once and
 * never written back (a copy in the WASM heap: about the catalog's size).
 */
export class SqliteCatalogBackend implements CatalogBackend {
  readonly insertionRowids = true;
  private constructor(private readonly db: Database) {}

  static async open(file: string): Promise<SqliteCatalogBackend> {
    const [sql, bytes] = await Promise.all([loadSqlJs(), readFile(file)]);
    let db: Database;
    try {
      db = new sql.Database(bytes);
    } catch (error) {
      throw damaged(file, error);
    }
    // DuckLake stores TIMESTAMPTZ as text ('2026-11-29 20:32:03.903255+00'), which SQLite's own date functions
    // do not parse (an offset without minutes): the same epoch milliseconds DuckDB's epoch_ms gives, in JS.
    // Every file row of a snapshot carries the same text: parsed once.
    const parsed = new Map<SqlValue, number | null>();
    db.create_function('lakehouse_epoch_ms', (value: SqlValue) => {
      let ms = parsed.get(value);
      if (ms === undefined) parsed.set(value, (ms = epochMsOfText(value)));
      return ms;
    });
    const backend = new SqliteCatalogBackend(db);
    try {
      // Reads the schema: a file that is not SQLite past its header, or damaged, fails here.
      backend.query('SELECT count(*) FROM sqlite_master');
    } catch (error) {
      db.close();
      throw damaged(file, error);
    }
    return backend;
  }

  async all<T extends Record<string, unknown>>(sql: string): Promise<T[]> {
    return this.query(sql) as T[];
  }

  readonly sqlite = (sql: string): Promise<Record<string, unknown>[]> => Promise.resolve(this.query(sql));

  async values(sql: string): Promise<unknown[][]> {
    const statement = this.db.prepare(sql);
    try {
      const rows: unknown[][] = [];
      while (statement.step()) rows.push(statement.get());
      return rows;
    } finally {
      statement.free();
    }
  }

  async each(sql: string, onRow: (row: unknown[]) => void): Promise<void> {
    const statement = this.db.prepare(sql);
    try {
      while (statement.step()) onRow(statement.get());
    } finally {
      statement.free();
    }
  }

  private query(sql: string): Record<string, unknown>[] {
    const statement = this.db.prepare(sql);
    try {
      // Names once, values per row: sql.js' getAsObject asks for the names and builds each row with
      // Object.fromEntries, which was most of reading 10k files' rows.
      const names = statement.getColumnNames();
      const rows: Record<string, unknown>[] = [];
      while (statement.step()) {
        const values = statement.get();
        const row: Record<string, unknown> = {};
        for (let i = 0; i < names.length; i++) row[names[i]!] = values[i];
        rows.push(row);
      }
      return rows;
    } finally {
      statement.free();
    }
  }

  table(name: string): string {
    return quoteIdentifier(name);
  }

  epochMs(expr: string): string {
    return `lakehouse_epoch_ms(${expr})`;
  }

  idRows(ids: readonly number[]): string {
    return `(SELECT value AS file_id FROM json_each('[${ids.join(',')}]'))`;
  }

  async tableNames(): Promise<Set<string>> {
    const rows = this.query(`SELECT name FROM sqlite_master WHERE type = 'table'`);
    return new Set(rows.map((r) => String(r.name)));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

function damaged(file: string, error: unknown): CatalogFormatError {
  const reason = error instanceof Error ? error.message : String(error);
  return new CatalogFormatError(
    `${file} is a damaged SQLite database (${reason}); it cannot be read as a DuckLake catalog.`,
    'Pull again, or restore the catalog from a backup / an earlier blob version; nothing was changed.',
  );
}

const TIMESTAMP =
  /^(-?\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:(Z)|([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?$/;

/** Epoch ms of DuckDB's text form of a TIMESTAMPTZ (fraction truncated to ms, as epoch_ms does); null otherwise. */
export function epochMsOfText(value: SqlValue): number | null {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return null;
  const m = TIMESTAMP.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, , sign, oh, om, os] = m;
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: that maps years 0–99 to 1900–1999.
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0);
  const offset = sign
    ? (sign === '-' ? -1 : 1) * ((Number(oh) * 60 + Number(om ?? 0)) * 60 + Number(os ?? 0)) * 1000
    : 0;
  return date.getTime() - offset;
}

let loading: Promise<SqlJsStatic> | undefined;

/** sql.js, initialised once per process with the .wasm that ships beside the bundle. */
function loadSqlJs(): Promise<SqlJsStatic> {
  loading ??= (async () => {
    const { default: init } = await import('sql.js');
    const wasmBinary = await readFile(sqlWasmPath());
    return init({
      wasmBinary: wasmBinary.buffer.slice(wasmBinary.byteOffset, wasmBinary.byteOffset + wasmBinary.byteLength),
    });
  })();
  loading.catch(() => (loading = undefined));
  return loading;
}

const WASM_FILE = 'sql-wasm.wasm';

/**
 * dist/sql-wasm.wasm, copied there by esbuild.mjs and shipped in the VSIX: next to the bundle
 * (dist/cli.js, dist/extension.js) or one folder up (dist/bench/*.js). Running from sources
 * (tests), the package's own copy.
 */
export function sqlWasmPath(): string {
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  for (const candidate of [join(here, WASM_FILE), join(dirname(here), WASM_FILE)]) {
    if (existsSync(candidate)) return candidate;
  }
  for (let dir = here; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', 'sql.js', 'dist', WASM_FILE);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir)
      throw new Error(`${WASM_FILE} is missing next to ${here}: the build copies it into dist/ (node esbuild.mjs).`);
  }
}
