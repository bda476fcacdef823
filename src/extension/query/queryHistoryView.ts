import * as vscode from 'vscode';
import type { QueryHistoryEntry } from '../../core/query/types';

/** Where the history view reads from: a store that caches and says when it changed. */
export interface QueryHistorySource {
  list(): readonly QueryHistoryEntry[];
  readonly onDidChange: vscode.Event<void>;
}

export const HISTORY_LIMIT = 100;

/** The workspace's last 100 queries, kept in workspace state (newest first). */
export class WorkspaceQueryHistory implements QueryHistorySource, vscode.Disposable {
  private static readonly KEY = 'lakehouse.queryHistory';
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly memento: vscode.Memento) {}

  list(): readonly QueryHistoryEntry[] {
    return this.memento.get<QueryHistoryEntry[]>(WorkspaceQueryHistory.KEY, []);
  }

  add(entry: QueryHistoryEntry): void {
    const next = [entry, ...this.list()].slice(0, HISTORY_LIMIT);
    void this.memento.update(WorkspaceQueryHistory.KEY, next).then(() => this.changed.fire());
  }

  clear(): void {
    void this.memento.update(WorkspaceQueryHistory.KEY, []).then(() => this.changed.fire());
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** The Query History view: each query with its target, time and row count; selecting one re-opens it. */
export class QueryHistoryProvider implements vscode.TreeDataProvider<QueryHistoryEntry>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly source: QueryHistorySource) {
    this.subscription = source.onDidChange(() => this.changed.fire());
  }

  getChildren(entry?: QueryHistoryEntry): QueryHistoryEntry[] {
    return entry ? [] : [...this.source.list()];
  }

  getTreeItem(entry: QueryHistoryEntry): vscode.TreeItem {
    const item = new vscode.TreeItem(firstLine(entry.sql));
    const at = new Date(entry.at);
    const rows = entry.error ? 'failed' : entry.rowCount === null ? '' : `${entry.rowCount} rows`;
    item.description = [`${entry.target.lakehouse} · ${entry.target.kind}`, rows, at.toLocaleTimeString()]
      .filter(Boolean)
      .join(' · ');
    const tooltip = new vscode.MarkdownString();
    tooltip.appendCodeblock(entry.sql, 'sql');
    tooltip.appendText(`${entry.target.kind} ${entry.target.lakehouse} · ${at.toLocaleString()}`);
    if (entry.error) tooltip.appendText(`\n${entry.error}`);
    item.tooltip = tooltip;
    item.iconPath = new vscode.ThemeIcon(
      entry.error ? 'error' : entry.target.kind === 'published' ? 'cloud' : 'database',
    );
    item.contextValue = 'queryHistoryEntry';
    item.command = { command: 'lakehouse.reopenQuery', title: 'Re-open Query', arguments: [entry] };
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

function firstLine(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 79)}…` : flat;
}
