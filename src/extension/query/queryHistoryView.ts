import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { HISTORY_LIMIT, type QueryHistoryStore } from '../../core/query/history';
import type { QueryHistoryEntry } from '../../core/query/types';

/** Where the history view reads from: a store that caches and says when it changed. */
export interface QueryHistorySource {
  list(): readonly QueryHistoryEntry[];
  readonly onDidChange: vscode.Event<void>;
}

/**
 * The workspace's query history as the view reads it: the core store
 * (.lakehouse/query-history.json, shared with `lakehouse query`) cached in
 * memory, reloaded when the file changes (the CLI wrote to it).
 */
export class WorkspaceQueryHistory implements QueryHistorySource, vscode.Disposable {
  private entries: QueryHistoryEntry[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly watcher: vscode.FileSystemWatcher | undefined;

  constructor(private readonly store: QueryHistoryStore | undefined) {
    if (store) {
      this.watcher = vscode.workspace.createFileSystemWatcher(
        new vscode.RelativePattern(vscode.Uri.file(dirname(store.file)), basename(store.file)),
      );
      for (const event of [this.watcher.onDidChange, this.watcher.onDidCreate, this.watcher.onDidDelete])
        event(() => void this.reload());
      void this.reload();
    }
  }

  list(): readonly QueryHistoryEntry[] {
    return this.entries;
  }

  add(entry: QueryHistoryEntry): void {
    this.entries = [entry, ...this.entries].slice(0, HISTORY_LIMIT);
    this.changed.fire();
    void this.store?.add(entry).then((entries) => this.set(entries));
  }

  clear(): void {
    this.set([]);
    void this.store?.clear();
  }

  private async reload(): Promise<void> {
    if (this.store) this.set(await this.store.list());
  }

  private set(entries: QueryHistoryEntry[]): void {
    this.entries = entries;
    this.changed.fire();
  }

  dispose(): void {
    this.watcher?.dispose();
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
