/**
 * The results panel's message protocol: the one module the extension host and
 * the webview bundle both import. No 'vscode', no DOM, no DuckDB.
 *
 * The webview is untrusted input: the host runs every message through
 * `parseWebviewMessage` and drops what does not fit.
 */
import type {
  ChartData,
  ColumnFilter,
  ColumnSummary,
  ExportFormat,
  ExportResult,
  FilterOp,
  Page,
  QueryErrorInfo,
  QueryTarget,
  ResultInfo,
  SortKey,
} from './types';

export type ChartKind = 'bar' | 'line' | 'scatter';
export type PanelTab = 'grid' | 'chart';

/** What the panel persists (webview state + serializer) to come back after a reload. */
export interface PanelSnapshot {
  sql: string;
  target: QueryTarget;
  title: string;
  sort: SortKey[];
  filters: ColumnFilter[];
  tab: PanelTab;
}

export type PanelStatus = 'idle' | 'running' | 'done' | 'error' | 'cancelled';

/** Everything the panel shows besides pages, summaries and charts. */
export interface PanelState extends PanelSnapshot {
  status: PanelStatus;
  result?: ResultInfo;
  error?: QueryErrorInfo;
  /** Lakehouses the target picker offers. */
  lakehouses: string[];
  /** Rows per page the grid asks for. */
  pageSize: number;
  /** True when the error position can be shown in an editor (the SQL came from a file). */
  canReveal: boolean;
}

// ---- webview → host -------------------------------------------------------

export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'requestPage'; id: number; offset: number; limit: number }
  | { type: 'sort'; id: number; sort: SortKey[] }
  | { type: 'filter'; id: number; filters: ColumnFilter[] }
  | { type: 'summary'; id: number; column: number }
  | { type: 'chart'; id: number; x: number; y: number; series?: number; limit: number }
  | { type: 'export'; format: ExportFormat }
  | { type: 'copy'; text: string }
  | { type: 'cancel' }
  | { type: 'revealErrorPosition' }
  | { type: 'setTarget'; target: QueryTarget }
  | { type: 'setTab'; tab: PanelTab }
  | { type: 'rerun' };

// ---- host → webview -------------------------------------------------------

export type HostMessage =
  | { type: 'state'; state: PanelState }
  /** `id` echoes the request (or the sort/filter that reset the view). */
  | ({ type: 'page'; id: number } & Page)
  | { type: 'summary'; id: number; summary: ColumnSummary }
  | { type: 'chart'; id: number; data: ChartData }
  /** A page/summary/chart/export request failed (the query itself fails through `state`). */
  | { type: 'error'; id?: number; error: QueryErrorInfo }
  | { type: 'exportProgress'; rowsWritten: number }
  | { type: 'exportDone'; result: ExportResult };

/** Upper bounds the host enforces whatever the webview asks. */
export const LIMITS = {
  pageRows: 2000,
  chartPoints: 200_000,
  copyChars: 50_000_000,
  sqlChars: 1_000_000,
  filters: 64,
  sortKeys: 16,
} as const;

const FILTER_OPS: readonly FilterOp[] = ['contains', 'equals', 'not-equals', 'lt', 'gt', 'is-null', 'not-null'];
const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'parquet', 'json'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isIndex = (v: unknown, max = Number.MAX_SAFE_INTEGER): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;

function sortKeys(v: unknown): SortKey[] | undefined {
  if (!Array.isArray(v) || v.length > LIMITS.sortKeys) return undefined;
  const keys: SortKey[] = [];
  for (const k of v) {
    if (!isObj(k) || !isIndex(k.column, 10_000) || (k.direction !== 'asc' && k.direction !== 'desc')) return undefined;
    keys.push({ column: k.column, direction: k.direction });
  }
  return keys;
}

function filters(v: unknown): ColumnFilter[] | undefined {
  if (!Array.isArray(v) || v.length > LIMITS.filters) return undefined;
  const out: ColumnFilter[] = [];
  for (const f of v) {
    if (!isObj(f) || !isIndex(f.column, 10_000) || !FILTER_OPS.includes(f.op as FilterOp)) return undefined;
    if (f.value !== undefined && (typeof f.value !== 'string' || f.value.length > 10_000)) return undefined;
    out.push({ column: f.column, op: f.op as FilterOp, ...(f.value === undefined ? {} : { value: f.value }) });
  }
  return out;
}

function target(v: unknown): QueryTarget | undefined {
  if (!isObj(v) || (v.kind !== 'local' && v.kind !== 'published')) return undefined;
  if (typeof v.lakehouse !== 'string' || v.lakehouse.length === 0 || v.lakehouse.length > 200) return undefined;
  return { kind: v.kind, lakehouse: v.lakehouse };
}

/**
 * The only way a webview message reaches the host's logic: a fresh, typed
 * copy of a well-formed message, or undefined. Extra fields are dropped.
 */
export function parseWebviewMessage(raw: unknown): WebviewMessage | undefined {
  if (!isObj(raw) || typeof raw.type !== 'string') return undefined;
  switch (raw.type) {
    case 'ready':
    case 'cancel':
    case 'revealErrorPosition':
    case 'rerun':
      return { type: raw.type };
    case 'requestPage':
      if (!isIndex(raw.id) || !isIndex(raw.offset) || !isIndex(raw.limit, LIMITS.pageRows) || raw.limit === 0)
        return undefined;
      return { type: 'requestPage', id: raw.id, offset: raw.offset, limit: raw.limit };
    case 'sort': {
      const sort = sortKeys(raw.sort);
      return isIndex(raw.id) && sort ? { type: 'sort', id: raw.id, sort } : undefined;
    }
    case 'filter': {
      const list = filters(raw.filters);
      return isIndex(raw.id) && list ? { type: 'filter', id: raw.id, filters: list } : undefined;
    }
    case 'summary':
      return isIndex(raw.id) && isIndex(raw.column, 10_000)
        ? { type: 'summary', id: raw.id, column: raw.column }
        : undefined;
    case 'chart': {
      if (!isIndex(raw.id) || !isIndex(raw.x, 10_000) || !isIndex(raw.y, 10_000)) return undefined;
      if (!isIndex(raw.limit, LIMITS.chartPoints) || raw.limit === 0) return undefined;
      if (raw.series !== undefined && !isIndex(raw.series, 10_000)) return undefined;
      return {
        type: 'chart',
        id: raw.id,
        x: raw.x,
        y: raw.y,
        limit: raw.limit,
        ...(raw.series === undefined ? {} : { series: raw.series }),
      };
    }
    case 'export':
      return EXPORT_FORMATS.includes(raw.format as ExportFormat)
        ? { type: 'export', format: raw.format as ExportFormat }
        : undefined;
    case 'copy':
      return typeof raw.text === 'string' && raw.text.length <= LIMITS.copyChars
        ? { type: 'copy', text: raw.text }
        : undefined;
    case 'setTarget': {
      const t = target(raw.target);
      return t ? { type: 'setTarget', target: t } : undefined;
    }
    case 'setTab':
      return raw.tab === 'grid' || raw.tab === 'chart' ? { type: 'setTab', tab: raw.tab } : undefined;
    default:
      return undefined;
  }
}

/** A persisted snapshot (webview state survives reloads and may be stale or tampered with). */
export function parseSnapshot(raw: unknown): PanelSnapshot | undefined {
  if (!isObj(raw) || typeof raw.sql !== 'string' || raw.sql.length > LIMITS.sqlChars) return undefined;
  const t = target(raw.target);
  if (!t) return undefined;
  return {
    sql: raw.sql,
    target: t,
    title: typeof raw.title === 'string' ? raw.title.slice(0, 200) : 'Query',
    sort: sortKeys(raw.sort) ?? [],
    filters: filters(raw.filters) ?? [],
    tab: raw.tab === 'chart' ? 'chart' : 'grid',
  };
}
