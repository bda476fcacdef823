/**
 * The results panel's webview. Everything here talks to the extension host
 * through the typed protocol; results stay in DuckDB and arrive a page at a
 * time. All data is set as text (textContent), never as HTML.
 */
import './query.css';
import type { ColumnFilter, QueryErrorInfo, QueryTarget, SortKey } from '../../src/core/query/types';
import type {
  HostMessage,
  PanelSnapshot,
  PanelState,
  PanelTab,
  WebviewMessage,
} from '../../src/core/query/webviewProtocol';
import { formatCount, formatElapsed, prettyJson } from './cells';
import { ChartView } from './chartView';
import { formatRows, type CopyFormat } from './copyFormats';
import { el } from './dom';
import { Grid } from './grid';
import { SummaryView } from './summaryView';

declare function acquireVsCodeApi(): {
  postMessage(message: WebviewMessage): void;
  setState(state: PanelSnapshot): void;
  getState(): PanelSnapshot | undefined;
};

const vscode = acquireVsCodeApi();
const COPY_MAX_ROWS = 50_000;

let state: PanelState | undefined;
let resultId: string | undefined;
let nextId = 1;
/** Pages answering requests older than the last sort/filter are dropped. */
let viewEpoch = 0;
let sort: SortKey[] = [];
let filters: ColumnFilter[] = [];
let pendingCopy: CopyFormat | undefined;
let summaryRequest = -1;
let chartRequest = -1;

const post = (m: WebviewMessage) => vscode.postMessage(m);

// ---- layout ---------------------------------------------------------------

const title = el('h1', { class: 'title' });
const targetSel = el('select', { class: 'target', 'aria-label': 'Query target' });
const targetBadge = el('span', { class: 'badge', id: 'target-badge' });
const rerunBtn = el('button', { title: 'Run the query again', 'data-action': 'rerun' }, 'Run');
const cancelBtn = el('button', { class: 'danger', title: 'Cancel (interrupts DuckDB)', hidden: '' }, 'Cancel');
const status = el('span', { class: 'status', role: 'status', 'aria-live': 'polite', id: 'status' });
const requests = el('span', { class: 'requests', id: 'requests', title: 'Storage requests this query made' });
const tabGrid = el('button', { role: 'tab', id: 'tab-grid', 'aria-controls': 'panel-grid' }, 'Grid');
const tabChart = el('button', { role: 'tab', id: 'tab-chart', 'aria-controls': 'panel-chart' }, 'Chart');
const copyFormat = el(
  'select',
  { 'aria-label': 'Copy format', title: 'Copy format (Ctrl+C in the grid)' },
  el('option', { value: 'tsv' }, 'TSV'),
  el('option', { value: 'csv' }, 'CSV'),
  el('option', { value: 'json' }, 'JSON'),
  el('option', { value: 'markdown' }, 'Markdown'),
);
const copyBtn = el('button', { title: 'Copy the selected cells' }, 'Copy');
const exportFormat = el(
  'select',
  { 'aria-label': 'Export format' },
  el('option', { value: 'csv' }, 'CSV'),
  el('option', { value: 'parquet' }, 'Parquet'),
  el('option', { value: 'json' }, 'JSON'),
);
const exportBtn = el('button', { title: 'Export the full result (through DuckDB COPY)' }, 'Export…');
const exportStatus = el('span', { class: 'export-status', role: 'status', id: 'export-status' });
const errorBox = el('section', { class: 'error', role: 'alert', hidden: '' });

const grid = new Grid({
  fetchPage: (offset, limit) => {
    const id = nextId++;
    post({ type: 'requestPage', id, offset, limit });
  },
  sortChanged: (next) => {
    sort = next;
    viewEpoch = nextId++;
    post({ type: 'sort', id: viewEpoch, sort });
    resetGrid(grid.totalRows);
  },
  filtersChanged: (next) => {
    filters = next;
    viewEpoch = nextId++;
    post({ type: 'filter', id: viewEpoch, filters });
    resetGrid(grid.totalRows);
  },
  showSummary: (column) => requestSummary(column),
  copySelection: () => copy(copyFormat.value as CopyFormat),
  activeChanged: () => updateDetail(),
});
const summary = new SummaryView(() => grid.focus());
const chart = new ChartView({
  requestChart: (x, y, series, limit) => {
    chartRequest = nextId++;
    post({ type: 'chart', id: chartRequest, x, y, limit, ...(series === undefined ? {} : { series }) });
  },
});
const detail = el('section', { class: 'detail', 'aria-label': 'Cell value', hidden: '' });
const gridPanel = el(
  'div',
  { class: 'grid-panel', role: 'tabpanel', id: 'panel-grid', 'aria-labelledby': 'tab-grid' },
  el('div', { class: 'grid-main' }, grid.root, detail),
  summary.root,
);

document.body.append(
  el(
    'header',
    { class: 'toolbar' },
    el('div', { class: 'row' }, title, targetBadge, targetSel, rerunBtn, cancelBtn),
    el('div', { class: 'row' }, status, requests),
    el(
      'div',
      { class: 'row' },
      el('div', { role: 'tablist', 'aria-label': 'View' }, tabGrid, tabChart),
      el('span', { class: 'spacer' }),
      copyFormat,
      copyBtn,
      exportFormat,
      exportBtn,
      exportStatus,
    ),
  ),
  errorBox,
  gridPanel,
  chart.root,
);

// ---- events ---------------------------------------------------------------

rerunBtn.addEventListener('click', () => post({ type: 'rerun' }));
cancelBtn.addEventListener('click', () => post({ type: 'cancel' }));
copyBtn.addEventListener('click', () => copy(copyFormat.value as CopyFormat));
exportBtn.addEventListener('click', () => post({ type: 'export', format: exportFormat.value as 'csv' }));
targetSel.addEventListener('change', () => {
  const [kind, ...name] = targetSel.value.split(':');
  post({ type: 'setTarget', target: { kind: kind as QueryTarget['kind'], lakehouse: name.join(':') } });
});
for (const [tab, name] of [
  [tabGrid, 'grid'],
  [tabChart, 'chart'],
] as const) {
  tab.addEventListener('click', () => selectTab(name, true));
  tab.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      const other = name === 'grid' ? 'chart' : 'grid';
      selectTab(other, true);
      (other === 'grid' ? tabGrid : tabChart).focus();
    }
  });
}
grid.root.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.target as HTMLElement).classList.contains('grid-scroller')) {
    e.preventDefault();
    detail.hidden = !detail.hidden;
    updateDetail();
  }
});
grid.root.addEventListener('dblclick', () => {
  detail.hidden = false;
  updateDetail();
});

window.addEventListener('message', (event: MessageEvent<HostMessage>) => onMessage(event.data));
post({ type: 'ready' });

// ---- host messages --------------------------------------------------------

function onMessage(m: HostMessage): void {
  switch (m.type) {
    case 'state':
      applyState(m.state);
      break;
    case 'page':
      if (m.id < viewEpoch) return;
      grid.addPage(m.offset, m.rows, m.totalRows);
      if (pendingCopy) copy(pendingCopy);
      updateDetail();
      break;
    case 'summary':
      if (m.id !== summaryRequest || !state?.result) return;
      summary.show(state.result.columns[m.summary.column]!, m.summary, grid.totalRows);
      break;
    case 'chart':
      if (m.id === chartRequest) chart.show(m.data);
      break;
    case 'error':
      if (m.id !== undefined && m.id === summaryRequest) summary.error(m.error.message);
      else if (m.id !== undefined && m.id === chartRequest) chart.showError(m.error.message);
      else exportStatus.textContent = m.error.message;
      break;
    case 'exportProgress':
      exportStatus.textContent = `Exporting… ${formatCount(m.rowsWritten)} rows`;
      break;
    case 'exportDone':
      exportStatus.textContent = `Exported ${formatCount(m.result.rows)} rows`;
      exportStatus.title = m.result.path;
      break;
  }
}

function applyState(next: PanelState): void {
  state = next;
  vscode.setState({
    sql: next.sql,
    target: next.target,
    title: next.title,
    sort: next.sort,
    filters: next.filters,
    tab: next.tab,
  });
  title.textContent = next.title;
  title.title = next.sql;
  document.title = next.title;
  targetSel.replaceChildren(
    ...next.lakehouses.flatMap((name) =>
      (['local', 'published'] as const).map((kind) => el('option', { value: `${kind}:${name}` }, `${name} · ${kind}`)),
    ),
  );
  targetSel.value = `${next.target.kind}:${next.target.lakehouse}`;
  targetBadge.textContent = next.target.kind;
  targetBadge.className = `badge ${next.target.kind}`;
  const running = next.status === 'running';
  cancelBtn.hidden = !running;
  rerunBtn.disabled = running;
  document.body.classList.toggle('running', running);
  const r = next.result;
  status.textContent = statusText(next);
  requests.textContent = r
    ? `requests: ${r.requests.log} log · ${r.requests.list} list · ${r.requests.data} data${r.cached ? ' · cached' : ''}`
    : '';
  requests.dataset.log = String(r?.requests.log ?? '');
  requests.dataset.list = String(r?.requests.list ?? '');
  showError(next.error, next);
  if (r && r.resultId !== resultId) {
    resultId = r.resultId;
    sort = next.sort;
    filters = next.filters;
    viewEpoch = nextId++;
    resetGrid(r.rowCount);
    chart.setColumns(r.columns);
    summary.root.hidden = true;
  }
  gridPanel.hidden = !r || r.statementOnly === true || next.tab !== 'grid';
  selectTab(next.tab, false);
}

function statusText(s: PanelState): string {
  switch (s.status) {
    case 'running':
      return 'Running…';
    case 'cancelled':
      return 'Cancelled.';
    case 'error':
      return 'Failed.';
    case 'idle':
      return '';
    case 'done': {
      const r = s.result!;
      if (r.statementOnly) return `Done in ${formatElapsed(r.elapsedMs)}.`;
      return `${formatCount(r.rowCount)} rows · ${formatElapsed(r.elapsedMs)}`;
    }
  }
}

function resetGrid(total: number): void {
  if (!state?.result) return;
  grid.reset(state.result.columns, total, state.pageSize, sort, filters);
}

function selectTab(tab: PanelTab, notify: boolean): void {
  tabGrid.setAttribute('aria-selected', String(tab === 'grid'));
  tabChart.setAttribute('aria-selected', String(tab === 'chart'));
  tabGrid.tabIndex = tab === 'grid' ? 0 : -1;
  tabChart.tabIndex = tab === 'chart' ? 0 : -1;
  const hasRows = !!state?.result && !state.result.statementOnly;
  gridPanel.hidden = tab !== 'grid' || !hasRows;
  chart.root.hidden = tab !== 'chart' || !hasRows;
  if (tab === 'chart' && hasRows) chart.activate();
  if (notify && state && state.tab !== tab) {
    state.tab = tab;
    post({ type: 'setTab', tab });
  }
}

/** DuckDB's message, the SQL line with the error position marked, and a jump to it. */
function showError(error: QueryErrorInfo | undefined, s: PanelState): void {
  errorBox.hidden = !error;
  if (!error) return;
  const parts: Node[] = [el('p', { class: 'error-text' }, error.message)];
  if (error.hint) parts.push(el('p', { class: 'muted' }, error.hint));
  if (error.position !== undefined && error.position <= s.sql.length) {
    const at = error.position;
    const lineStart = s.sql.lastIndexOf('\n', at - 1) + 1;
    const lineEnd = s.sql.indexOf('\n', at) < 0 ? s.sql.length : s.sql.indexOf('\n', at);
    const tokenEnd = Math.max(at + 1, s.sql.slice(at, lineEnd).search(/\s|$/) + at);
    const line = s.sql.slice(0, at).split('\n').length;
    parts.push(
      el(
        'pre',
        { class: 'error-sql', 'aria-label': `Line ${line}` },
        s.sql.slice(lineStart, at),
        el('mark', {}, s.sql.slice(at, tokenEnd) || ' '),
        s.sql.slice(tokenEnd, lineEnd),
      ),
    );
    if (s.canReveal) {
      const jump = el('button', {}, `Go to line ${line}`);
      jump.addEventListener('click', () => post({ type: 'revealErrorPosition' }));
      parts.push(jump);
    }
  }
  errorBox.replaceChildren(...parts);
}

function requestSummary(column: number): void {
  if (!state?.result) return;
  summaryRequest = nextId++;
  summary.loading(state.result.columns[column]!);
  post({ type: 'summary', id: summaryRequest, column });
}

function updateDetail(): void {
  if (detail.hidden || !state?.result) return;
  const { row, col } = grid.active;
  const column = state.result.columns[col];
  const value = grid.row(row)?.[col];
  if (!column) return;
  const text =
    value === undefined ? 'Loading…' : value === null ? 'NULL' : column.display === 'json' ? prettyJson(value) : value;
  const pre = el('pre', { class: value === null ? 'null' : undefined }, text);
  detail.replaceChildren(el('h2', {}, `${column.name} · row ${formatCount(row + 1)} · ${column.type}`), pre);
}

/** Copies the selection once its rows are loaded (asking for the pages it needs). */
function copy(format: CopyFormat): void {
  if (!state?.result) return;
  const { rows, cols } = grid.selection();
  if (rows[1] - rows[0] + 1 > COPY_MAX_ROWS) {
    pendingCopy = undefined;
    exportStatus.textContent = `Select at most ${formatCount(COPY_MAX_ROWS)} rows to copy; use Export for the full result.`;
    return;
  }
  if (!grid.ensureRows(rows[0], rows[1])) {
    pendingCopy = format;
    return;
  }
  pendingCopy = undefined;
  const columns = state.result.columns.slice(cols[0], cols[1] + 1);
  const data = [];
  for (let r = rows[0]; r <= rows[1]; r++) data.push((grid.row(r) ?? []).slice(cols[0], cols[1] + 1));
  const single = data.length === 1 && columns.length === 1;
  const text = single && format === 'tsv' ? (data[0]![0] ?? '') : formatRows(format, columns, data, !single);
  post({ type: 'copy', text });
  exportStatus.textContent = `Copied ${single ? 'cell' : `${formatCount(data.length)} rows`} as ${format.toUpperCase()}`;
}

// First paint before the host answers: the state kept across reloads.
const saved = vscode.getState();
if (saved) title.textContent = saved.title;
