import * as vscode from 'vscode';
import { describeError, isCancelled, LakehouseError } from '../../core/errors';
import type {
  ColumnFilter,
  ExportFormat,
  QueryEngine,
  QueryErrorInfo,
  QueryHistoryEntry,
  QueryTarget,
  ResultInfo,
  SortKey,
} from '../../core/query/types';
import {
  parseWebviewMessage,
  type HostMessage,
  type PanelSnapshot,
  type PanelState,
  type PanelStatus,
  type WebviewMessage,
} from '../../core/query/webviewProtocol';
import type { Logger } from '../log';
import { newNonce, queryPanelHtml } from './queryPanelHtml';

export const QUERY_VIEW_TYPE = 'lakehouse.queryResults';

export interface QueryPanelDeps {
  log: Logger;
  extensionUri: vscode.Uri;
  /** The shared engine, created on first use. */
  engine(): QueryEngine;
  lakehouses(): Promise<string[]>;
  pageSize(): number;
  recordHistory(entry: QueryHistoryEntry): void;
}

/** Where the SQL came from, to jump to an error's position. */
export interface QuerySource {
  uri: vscode.Uri;
  /** Offset of the SQL's first character in the document. */
  offset: number;
}

export interface QueryRun {
  sql: string;
  target: QueryTarget;
  title: string;
  source?: QuerySource;
}

/**
 * One results panel: it owns the engine result it shows (released when the
 * panel closes or shows another query) and answers the webview's page,
 * sort, filter, summary, chart, export and copy requests. The webview is
 * untrusted: every message goes through parseWebviewMessage.
 */
export class QueryPanel {
  private static current: QueryPanel | undefined;

  private snapshot: PanelSnapshot;
  private status: PanelStatus = 'idle';
  private result: ResultInfo | undefined;
  private error: QueryErrorInfo | undefined;
  private source: QuerySource | undefined;
  private lakehouseNames: string[] = [];
  private running: AbortController | undefined;
  private exporting: AbortController | undefined;
  private ready = false;
  private disposed = false;
  private readonly subscriptions: vscode.Disposable[] = [];

  /** Shows a query in the results panel (reusing the open one). */
  static show(deps: QueryPanelDeps, run: QueryRun): QueryPanel {
    const existing = QueryPanel.current;
    if (existing && !existing.disposed) {
      existing.panel.reveal(undefined, true);
      void existing.run(run);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      QUERY_VIEW_TYPE,
      run.title,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      QueryPanel.options(deps.extensionUri),
    );
    const created = new QueryPanel(panel, deps, { ...run, sort: [], filters: [], tab: 'grid' });
    void created.run(run);
    return created;
  }

  /** A panel VS Code kept across a reload: re-run its query (results do not survive the engine). */
  static restore(panel: vscode.WebviewPanel, deps: QueryPanelDeps, snapshot: PanelSnapshot): QueryPanel {
    panel.webview.options = QueryPanel.options(deps.extensionUri);
    const restored = new QueryPanel(panel, deps, snapshot);
    void restored.run({ sql: snapshot.sql, target: snapshot.target, title: snapshot.title }, true);
    return restored;
  }

  static options(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return {
      enableScripts: true,
      enableFindWidget: true,
      // The webview may load the bundle and nothing else.
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'media')],
    };
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly deps: QueryPanelDeps,
    snapshot: PanelSnapshot,
  ) {
    QueryPanel.current = this;
    this.snapshot = snapshot;
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'lakehouse.svg');
    const media = vscode.Uri.joinPath(deps.extensionUri, 'dist', 'media');
    panel.webview.html = queryPanelHtml({
      cspSource: panel.webview.cspSource,
      nonce: newNonce(),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'query.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'query.css')).toString(),
    });
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((raw) => this.onMessage(raw)),
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => {
        if (panel.active) QueryPanel.current = this;
      }),
    );
  }

  private post(message: HostMessage): void {
    if (this.ready && !this.disposed) void this.panel.webview.postMessage(message);
  }

  private state(): PanelState {
    return {
      ...this.snapshot,
      status: this.status,
      result: this.result,
      error: this.error,
      lakehouses: this.lakehouseNames.includes(this.snapshot.target.lakehouse)
        ? this.lakehouseNames
        : [this.snapshot.target.lakehouse, ...this.lakehouseNames],
      pageSize: this.deps.pageSize(),
      canReveal: this.source !== undefined,
    };
  }

  private pushState(): void {
    this.panel.title = this.snapshot.title;
    this.post({ type: 'state', state: this.state() });
  }

  async run(run: QueryRun, restoring = false): Promise<void> {
    this.running?.abort();
    const controller = new AbortController();
    this.running = controller;
    const previous = this.result;
    this.snapshot = restoring
      ? { ...this.snapshot, sql: run.sql, target: run.target, title: run.title }
      : { ...this.snapshot, sql: run.sql, target: run.target, title: run.title, sort: [], filters: [] };
    this.source = run.source;
    this.status = 'running';
    this.error = undefined;
    this.lakehouseNames = await this.deps.lakehouses().catch(() => []);
    this.pushState();
    if (previous) void this.release(previous.resultId);
    this.result = undefined;
    if (!vscode.workspace.isTrusted) {
      this.finish(controller, 'error', undefined, {
        code: 'restricted',
        message: 'Queries do not run in Restricted Mode.',
        hint: 'Trust this workspace to run queries.',
      });
      return;
    }
    const started = Date.now();
    this.deps.log.info(`query on ${run.target.kind} ${run.target.lakehouse}: ${oneLine(run.sql)}`);
    try {
      const result = await this.deps.engine().run({ sql: run.sql, target: run.target }, controller.signal);
      if (this.running !== controller || this.disposed) {
        void this.release(result.resultId);
        return;
      }
      this.deps.log.info(
        `query: ${result.rowCount} rows in ${result.elapsedMs} ms (requests: ${result.requests.total}${result.cached ? ', cached' : ''})`,
      );
      this.deps.recordHistory({
        sql: run.sql,
        target: run.target,
        at: new Date(started).toISOString(),
        rowCount: result.rowCount,
        elapsedMs: result.elapsedMs,
      });
      this.finish(controller, 'done', result);
    } catch (error) {
      if (this.running !== controller) return;
      const cancelled = isCancelled(error) || (error as { code?: string }).code === 'cancelled';
      const info = toErrorInfo(error);
      if (!cancelled) {
        this.deps.log.error(`query failed: ${info.message}`);
        this.deps.recordHistory({
          sql: run.sql,
          target: run.target,
          at: new Date(started).toISOString(),
          rowCount: null,
          elapsedMs: Date.now() - started,
          error: info.message,
        });
      }
      this.finish(controller, cancelled ? 'cancelled' : 'error', undefined, cancelled ? undefined : info);
    }
  }

  private finish(controller: AbortController, status: PanelStatus, result?: ResultInfo, error?: QueryErrorInfo) {
    if (this.running === controller) this.running = undefined;
    this.status = status;
    this.result = result;
    this.error = error;
    this.pushState();
  }

  private async onMessage(raw: unknown): Promise<void> {
    const message = parseWebviewMessage(raw);
    if (!message) {
      this.deps.log.warn('query panel: ignored a malformed message from the webview');
      return;
    }
    try {
      await this.handle(message);
    } catch (error) {
      if (isCancelled(error)) return;
      const id = 'id' in message ? message.id : undefined;
      this.post({ type: 'error', ...(id === undefined ? {} : { id }), error: toErrorInfo(error) });
    }
  }

  private async handle(m: WebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.pushState();
        return;
      case 'requestPage': {
        // The view (sort, filters) is taken when the request arrives: messages arrive in order.
        const view = { sort: this.snapshot.sort, filters: this.snapshot.filters };
        // A page asked for a result this panel no longer shows (a new run started): the next state resets the grid.
        if (!this.result) return;
        const resultId = this.result.resultId;
        const page = await this.deps.engine().page(resultId, { offset: m.offset, limit: m.limit, ...view });
        this.post({ type: 'page', id: m.id, ...page });
        return;
      }
      case 'sort':
        this.setView(m.sort, this.snapshot.filters);
        return;
      case 'filter':
        this.setView(this.snapshot.sort, m.filters);
        return;
      case 'summary': {
        const summary = await this.deps.engine().summary(this.requireResult(), m.column);
        this.post({ type: 'summary', id: m.id, summary });
        return;
      }
      case 'chart': {
        const data = await this.deps.engine().chart(this.requireResult(), {
          x: m.x,
          y: m.y,
          limit: m.limit,
          ...(m.series === undefined ? {} : { series: m.series }),
        });
        this.post({ type: 'chart', id: m.id, data });
        return;
      }
      case 'export':
        await this.export(m.format);
        return;
      case 'copy':
        await vscode.env.clipboard.writeText(m.text);
        return;
      case 'cancel':
        this.running?.abort();
        this.exporting?.abort();
        return;
      case 'revealErrorPosition':
        await this.revealError();
        return;
      case 'setTarget':
        await this.run({ sql: this.snapshot.sql, target: m.target, title: this.snapshot.title, source: this.source });
        return;
      case 'setTab':
        this.snapshot = { ...this.snapshot, tab: m.tab };
        return;
      case 'rerun':
        await this.run({
          sql: this.snapshot.sql,
          target: this.snapshot.target,
          title: this.snapshot.title,
          source: this.source,
        });
        return;
    }
  }

  private setView(sort: SortKey[], filters: ColumnFilter[]): void {
    const columns = this.result?.columns.length ?? 0;
    this.snapshot = {
      ...this.snapshot,
      sort: sort.filter((k) => k.column < columns),
      filters: filters.filter((f) => f.column < columns),
    };
    this.pushState();
  }

  private requireResult(): string {
    if (!this.result) throw new LakehouseError('no-result', 'There is no result to read: run the query again.');
    return this.result.resultId;
  }

  private async export(format: ExportFormat): Promise<void> {
    const resultId = this.requireResult();
    const extension = { csv: 'csv', parquet: 'parquet', json: 'json' }[format];
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const base = this.snapshot.title
      .replace(/\.sql\b.*$/, '')
      .replace(/[^\w.-]+/g, '_')
      .slice(0, 60);
    const name = `${base || 'query'}.${extension}`;
    const uri = await vscode.window.showSaveDialog({
      title: `Export the full result as ${format.toUpperCase()}`,
      saveLabel: 'Export',
      filters: { [format.toUpperCase()]: [extension] },
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, name) } : {}),
    });
    if (!uri) return;
    const total = this.result?.rowCount ?? 0;
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Exporting to ${uri.fsPath}`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        this.exporting = controller;
        const subscription = token.onCancellationRequested(() => controller.abort());
        let reported = 0;
        try {
          return await this.deps
            .engine()
            .export(
              resultId,
              { format, path: uri.fsPath, sort: this.snapshot.sort, filters: this.snapshot.filters },
              controller.signal,
              (rows) => {
                this.post({ type: 'exportProgress', rowsWritten: rows });
                if (total > 0) {
                  progress.report({ increment: (100 * (rows - reported)) / total, message: `${rows} rows` });
                  reported = rows;
                }
              },
            );
        } finally {
          subscription.dispose();
          if (this.exporting === controller) this.exporting = undefined;
        }
      },
    );
    this.deps.log.info(`export: ${result.rows} rows, ${result.bytes} bytes to ${result.path}`);
    this.post({ type: 'exportDone', result });
    void vscode.window.showInformationMessage(`Exported ${result.rows} rows to ${result.path}.`);
  }

  private async revealError(): Promise<void> {
    const position = this.error?.position;
    if (!this.source || position === undefined) return;
    const document = await vscode.workspace.openTextDocument(this.source.uri);
    const at = document.positionAt(this.source.offset + position);
    const word = document.getWordRangeAtPosition(at) ?? new vscode.Range(at, at);
    await vscode.window.showTextDocument(document, {
      viewColumn: vscode.ViewColumn.One,
      selection: new vscode.Selection(word.start, word.end),
    });
  }

  private async release(resultId: string): Promise<void> {
    try {
      await this.deps.engine().dispose(resultId);
    } catch (error) {
      this.deps.log.debug(`query panel: releasing ${resultId}: ${describeError(error)}`);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (QueryPanel.current === this) QueryPanel.current = undefined;
    this.running?.abort();
    this.exporting?.abort();
    if (this.result) void this.release(this.result.resultId);
    this.result = undefined;
    for (const s of this.subscriptions) s.dispose();
    this.panel.dispose();
  }
}

/** The engine's typed errors (code, message, hint, DuckDB's position) as the panel shows them. */
export function toErrorInfo(error: unknown): QueryErrorInfo {
  const e = error as { code?: unknown; hint?: unknown; position?: unknown };
  return {
    code: typeof e?.code === 'string' ? e.code : 'error',
    message: error instanceof Error ? error.message : String(error),
    ...(typeof e?.hint === 'string' ? { hint: e.hint } : {}),
    ...(typeof e?.position === 'number' ? { position: e.position } : {}),
  };
}

function oneLine(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}
