/**
 * The query engine's contract: what the results view and the CLI ask of it.
 * Results stay inside DuckDB (in the engine process); callers only ever see
 * pages, summaries and chart series, never a whole result.
 *
 * Imports nothing from the editor API and nothing from DuckDB: the extension, the
 * webview protocol and the CLI all share these types.
 */

/** Where a query runs. */
export type QueryTarget =
  /** The pulled working catalog `.lakehouse/<name>/` (read-only) and every catalog it attaches. */
  | { kind: 'local'; lakehouse: string }
  /** The Delta tables in the lakehouse itself, read the way Fabric reads them. */
  | { kind: 'published'; lakehouse: string };

/**
 * How the grid should present a column. Values arrive as exact text; this
 * only decides alignment, expansion and styling.
 */
export type ColumnDisplay = 'number' | 'text' | 'boolean' | 'temporal' | 'json' | 'blob' | 'other';

export interface ColumnInfo {
  name: string;
  /** DuckDB's type text, e.g. `DECIMAL(38,10)`, `TIMESTAMP WITH TIME ZONE`, `STRUCT(a INTEGER)`. */
  type: string;
  display: ColumnDisplay;
}

/**
 * One cell as exact text. `null` is SQL NULL (distinct from ''). Numbers are
 * rendered to the last digit (HUGEINT, UBIGINT, DECIMAL(38,x) never pass
 * through a JS number); timestamps ISO 8601, with the zone where the type has
 * one; lists/structs/maps compact JSON; blobs a hex preview.
 */
export type Cell = string | null;

/** Storage requests a query made, by kind (published target; zeros for local). */
export interface RequestCounts {
  /** Delta log reads (`_delta_log/…`). */
  log: number;
  /** Folder listings. */
  list: number;
  /** Data file reads (Parquet). */
  data: number;
  total: number;
}

export interface QueryRequest {
  sql: string;
  target: QueryTarget;
}

export interface ResultInfo {
  /** Handle for page/summary/chart/export/dispose. */
  resultId: string;
  target: QueryTarget;
  columns: ColumnInfo[];
  rowCount: number;
  /** DuckDB's own time for the query, milliseconds. */
  elapsedMs: number;
  requests: RequestCounts;
  /** True when a published query was answered from the Delta snapshot cache (within the staleness budget). */
  cached?: boolean;
  /** The statement had no result set (DDL etc.): columns empty, rowCount 0. */
  statementOnly?: boolean;
}

export interface SortKey {
  /** Column index in ResultInfo.columns. */
  column: number;
  direction: 'asc' | 'desc';
}

export type FilterOp = 'contains' | 'equals' | 'not-equals' | 'lt' | 'gt' | 'is-null' | 'not-null';

export interface ColumnFilter {
  column: number;
  op: FilterOp;
  /** Compared as text for contains/equals; cast to the column type for lt/gt. Ignored for the null ops. */
  value?: string;
}

export interface PageRequest {
  offset: number;
  limit: number;
  sort?: SortKey[];
  filters?: ColumnFilter[];
}

export interface Page {
  offset: number;
  rows: Cell[][];
  /** Rows matching the filters (== ResultInfo.rowCount without filters). */
  totalRows: number;
}

export interface HistogramBin {
  /** Bin bounds or category, as exact text. */
  label: string;
  count: number;
}

export interface ColumnSummary {
  column: number;
  nulls: number;
  distinct: number;
  min: Cell;
  max: Cell;
  /** At most ~20 bins (numbers/temporal) or the top categories (text). */
  histogram: HistogramBin[];
}

export interface ChartRequest {
  x: number;
  y: number;
  series?: number;
  /** Upper bound on points sent back (the engine samples or aggregates beyond it). */
  limit: number;
}

export interface ChartSeries {
  name: string;
  points: { x: string | number; y: number }[];
}

export interface ChartData {
  xDisplay: ColumnDisplay;
  series: ChartSeries[];
  /** True when the engine sampled/aggregated to stay under the limit. */
  reduced: boolean;
}

export type ExportFormat = 'csv' | 'parquet' | 'json';

export interface ExportRequest {
  format: ExportFormat;
  /** Absolute path of the file to write. */
  path: string;
  sort?: SortKey[];
  filters?: ColumnFilter[];
}

export interface ExportResult {
  rows: number;
  bytes: number;
  path: string;
}

export interface QueryHistoryEntry {
  sql: string;
  target: QueryTarget;
  /** ISO time the query ran. */
  at: string;
  rowCount: number | null;
  elapsedMs: number;
  error?: string;
}

/**
 * The engine as callers see it. The implementation runs DuckDB in a child
 * process; a crash or out-of-memory there rejects the calls in flight with
 * an EngineCrashedError (code 'engine-crashed') and the next call starts a
 * fresh process.
 */
export interface QueryEngine {
  run(request: QueryRequest, signal?: AbortSignal): Promise<ResultInfo>;
  page(resultId: string, request: PageRequest, signal?: AbortSignal): Promise<Page>;
  summary(resultId: string, column: number, signal?: AbortSignal): Promise<ColumnSummary>;
  chart(resultId: string, request: ChartRequest, signal?: AbortSignal): Promise<ChartData>;
  export(
    resultId: string,
    request: ExportRequest,
    signal?: AbortSignal,
    onProgress?: (rowsWritten: number) => void,
  ): Promise<ExportResult>;
  /** Releases a result's DuckDB resources. */
  dispose(resultId: string): Promise<void>;
  /** Stops the engine process. */
  close(): Promise<void>;
}

/** Query errors carry DuckDB's message and, when DuckDB gives one, the 0-based character offset in the SQL. */
export interface QueryErrorInfo {
  code: string;
  message: string;
  hint?: string;
  /** Character offset into the SQL the user ran. */
  position?: number;
}
