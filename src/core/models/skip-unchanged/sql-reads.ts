import { quoteLiteral } from '../../lake/duckdb';
import type { SqlExecutor } from '../sql-executor';

/** A table the compiled SQL reads, as DuckDB's parser wrote it (parts may be empty). */
export interface TableRead {
  catalog: string;
  schema: string;
  table: string;
}

/** What a compiled SELECT reads: only named tables, or a reason the catalog cannot vouch for its result. */
export type SqlReads = { tables: TableRead[]; functions?: string[] } | { unsafe: string };

/**
 * Functions whose result is not fixed by their arguments and the tables read
 * (time, randomness, sequences, session state). DuckDB parses `current_date`
 * and friends without parentheses as column references, so those names are
 * refused as columns too (a real column of that name only costs a re-run).
 */
const NON_DETERMINISTIC = new Set([
  'now',
  'today',
  'current_date',
  'current_time',
  'current_timestamp',
  'current_localtime',
  'current_localtimestamp',
  'localtime',
  'localtimestamp',
  'get_current_time',
  'get_current_timestamp',
  'transaction_timestamp',
  'statement_timestamp',
  'random',
  'setseed',
  'uuid',
  'gen_random_uuid',
  'uuidv4',
  'uuidv7',
  'nextval',
  'currval',
  'current_setting',
  'getvariable',
  'getenv',
  'current_query',
  'current_user',
  'current_role',
  'session_user',
  'user',
  'current_database',
  'current_catalog',
  'current_schema',
  'current_schemas',
  'txid_current',
  'version',
  'pg_backend_pid',
  'query_table',
  'query',
]);

/** Table functions whose rows depend only on their (constant) arguments. */
const PURE_TABLE_FUNCTIONS = new Set(['range', 'generate_series', 'unnest']);

/**
 * Reads the compiled SQL with DuckDB's own parser (`json_serialize_sql`) and
 * lists the tables it names. Anything else it could read — a file or URL
 * (read_csv, read_parquet, glob…), another table function, a
 * non-deterministic function — makes it unsafe to skip, as does SQL the
 * serializer does not take (more than one statement, not a SELECT).
 */
export async function sqlReads(
  executor: SqlExecutor,
  sql: string,
  ownFunctions: () => Promise<Set<string>> = () => listOwnFunctions(executor),
): Promise<SqlReads> {
  let parsed: unknown;
  try {
    const rows = await executor.rows<{ j: string }>(`SELECT json_serialize_sql(${quoteLiteral(sql)}) AS j`);
    parsed = JSON.parse(String(rows[0]?.j));
  } catch {
    return { unsafe: 'its SQL could not be read by DuckDB’s parser' };
  }
  return withoutOwnFunctions(readsOfParsedSql(parsed), ownFunctions);
}

/**
 * `json_serialize_sql` of many texts in one statement (a round trip costs ≈ 0.8 ms, the parse far
 * less), each text's tree or undefined when it could not be read. `rows` runs the statement.
 */
export async function parseEach(
  rows: (sql: string) => Promise<Record<string, unknown>[]>,
  texts: readonly string[],
): Promise<Array<unknown>> {
  const parsed: unknown[] = [];
  // Bounded statements, however many texts a long run leaves.
  for (let start = 0; start < texts.length; start += PARSE_BATCH) {
    const batch = texts.slice(start, start + PARSE_BATCH);
    const values = batch.map((text, i) => `(${i}, ${quoteLiteral(text)})`).join(', ');
    const got = await rows(`SELECT i, json_serialize_sql(s) AS j FROM (VALUES ${values}) t(i, s) ORDER BY i`);
    for (let i = 0; i < batch.length; i++) {
      const row = got[i];
      try {
        parsed.push(row && Number(row.i) === i ? JSON.parse(String(row.j)) : undefined);
      } catch {
        parsed.push(undefined);
      }
    }
  }
  return parsed;
}

const PARSE_BATCH = 100;

/** The reads, or unsafe when the SQL calls a macro of the session's own (the parser sees only its name). */
export async function withoutOwnFunctions(
  reads: SqlReads,
  ownFunctions: () => Promise<Set<string>>,
): Promise<SqlReads> {
  if ('unsafe' in reads || !reads.functions?.length) return reads;
  // A macro of the project's own (a hook's CREATE MACRO) may read any table or call now(): the parser
  // sees only its name. DuckDB's own functions, and extensions', are internal.
  const own = await ownFunctions();
  const called = reads.functions.find((f) => own.has(f.toLowerCase()));
  if (called) return { unsafe: `it calls the macro ${called}, which may read anything` };
  return reads;
}

/** The session's functions that are not DuckDB's or an extension's own (macros a hook or catalog holds), lower case. */
export async function listOwnFunctions(executor: SqlExecutor): Promise<Set<string>> {
  const rows = await executor.rows<{ name: string }>(
    'SELECT DISTINCT lower(function_name) AS name FROM duckdb_functions() WHERE NOT internal',
  );
  return new Set(rows.map((r) => String(r.name)));
}

/** The walk over `json_serialize_sql`'s tree (exported for unit tests of the rules). */
export function readsOfParsedSql(parsed: unknown): SqlReads {
  const root = parsed as { error?: boolean; statements?: unknown[] };
  if (!root || root.error !== false || !Array.isArray(root.statements) || root.statements.length !== 1) {
    return { unsafe: 'its SQL is not a single SELECT DuckDB’s parser can serialize' };
  }
  const ctes = new Set<string>();
  const tables: TableRead[] = [];
  const functions = new Set<string>();
  let unsafe: string | undefined;
  const visit = (value: unknown): void => {
    if (unsafe) return;
    if (Array.isArray(value)) {
      for (const v of value) visit(v);
      return;
    }
    if (!value || typeof value !== 'object') return;
    const o = value as Record<string, unknown>;
    if (o.cte_map && typeof o.cte_map === 'object') {
      const map = (o.cte_map as { map?: Array<{ key?: unknown }> }).map ?? [];
      for (const entry of map) if (typeof entry.key === 'string') ctes.add(entry.key.toLowerCase());
    }
    if (o.type === 'BASE_TABLE') {
      // `FROM 'x.parquet'` is a file read (a replacement scan), parsed as a table name.
      if (/[./\\:]/.test(str(o.table_name)))
        unsafe = `it reads the file ${str(o.table_name)}, which the catalog cannot vouch for`;
      tables.push({ catalog: str(o.catalog_name), schema: str(o.schema_name), table: str(o.table_name) });
    } else if (o.type === 'TABLE_FUNCTION') {
      const name = str((o.function as Record<string, unknown> | undefined)?.function_name).toLowerCase();
      if (!PURE_TABLE_FUNCTIONS.has(name))
        unsafe = `it reads ${name || 'a table function'}(…), which the catalog cannot vouch for`;
    } else if (o.class === 'FUNCTION' && NON_DETERMINISTIC.has(str(o.function_name).toLowerCase())) {
      unsafe = `it calls ${str(o.function_name)}(), whose result changes from run to run`;
    } else if (o.class === 'FUNCTION' || o.class === 'AGGREGATE' || o.class === 'WINDOW') {
      if (str(o.function_name)) functions.add(str(o.function_name).toLowerCase());
    } else if (o.class === 'COLUMN_REF') {
      const names = Array.isArray(o.column_names) ? o.column_names : [];
      const last = str(names[names.length - 1]).toLowerCase();
      if (names.length === 1 && NON_DETERMINISTIC.has(last))
        unsafe = `it uses ${last}, whose value changes from run to run`;
    } else if (o.type === 'SHOW_REF' || o.type === 'COLUMN_DATA' || o.type === 'DELIM_GET') {
      unsafe = `it reads a ${String(o.type).toLowerCase()} the catalog cannot vouch for`;
    }
    for (const v of Object.values(o)) visit(v);
  };
  visit(root.statements);
  if (unsafe) return { unsafe };
  // A one-part name that a CTE defines is the CTE (CTE names shadow tables).
  return {
    tables: tables.filter((t) => t.catalog !== '' || t.schema !== '' || !ctes.has(t.table.toLowerCase())),
    functions: [...functions],
  };
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
