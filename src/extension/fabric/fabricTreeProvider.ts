import * as vscode from 'vscode';
import { tableOrigin, type TableKind } from '../../core/browse/tableKinds';
import { describeLeaseShort } from '../../core/lease/leaseView';
import { catalogItem } from '../tree/lakehouseTreeProvider';
import { fabricContextValue, type FabricNode } from './fabricNodes';
import type { FabricStore } from './fabricStore';
import type { FabricTreeModel } from './fabricTreeModel';

/**
 * Draws FabricNodes. Nodes are kept by id and reused, so a store change can
 * be fired for exactly the nodes that show it (VS Code matches elements by
 * identity): a lease changing re-renders its lakehouse, not the whole view.
 */
export class FabricTreeProvider implements vscode.TreeDataProvider<FabricNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<FabricNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly nodes = new Map<string, FabricNode>();
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly model: FabricTreeModel,
    store: FabricStore,
  ) {
    this.subscription = store.onDidChange((keys) => this.onStoreChange(keys));
  }

  /** Re-renders everything from the store (no request within the budget). */
  rerender(): void {
    this.changed.fire(undefined);
  }

  private onStoreChange(keys: string[] | undefined): void {
    if (!keys) {
      this.nodes.clear();
      this.changed.fire(undefined);
      return;
    }
    const wanted = new Set(keys);
    for (const node of this.nodes.values()) {
      if (node.keys.some((k) => wanted.has(k))) this.changed.fire(node);
    }
  }

  async getChildren(node?: FabricNode): Promise<FabricNode[]> {
    const list = node ? await this.model.children(node) : await this.model.roots();
    return list.map((n) => this.intern(n));
  }

  /** The same object for the same id, its data replaced: identity for VS Code, fresh data for us. */
  private intern(node: FabricNode): FabricNode {
    const known = this.nodes.get(node.id);
    if (!known || known.kind !== node.kind) {
      this.nodes.set(node.id, node);
      return node;
    }
    for (const key of Object.keys(known)) delete (known as unknown as Record<string, unknown>)[key];
    return Object.assign(known, node);
  }

  getTreeItem(node: FabricNode): vscode.TreeItem {
    const item = new vscode.TreeItem(labelOf(node), collapsible(node));
    item.id = node.id;
    item.contextValue = fabricContextValue(node);
    switch (node.kind) {
      case 'fabricSignIn':
        item.iconPath = new vscode.ThemeIcon('sign-in');
        item.description = node.reason === 'expired' ? 'session expired' : undefined;
        item.command = { title: 'Sign In', command: 'lakehouse.fabric.signIn' };
        item.tooltip = 'Sign in with your Microsoft work or school account to browse your Fabric workspaces.';
        break;
      case 'fabricAccount':
        item.iconPath = new vscode.ThemeIcon('account');
        item.description = [
          node.tenantId ? `tenant ${node.tenantId}` : undefined,
          node.filter && `filter: ${node.filter}`,
        ]
          .filter(Boolean)
          .join(' · ');
        break;
      case 'fabricWorkspace':
        item.iconPath = new vscode.ThemeIcon(node.pinned ? 'pinned' : 'folder-library');
        item.description = node.workspace.type === 'Personal' ? 'personal' : undefined;
        item.tooltip = `${node.workspace.displayName}\n${node.workspace.id}`;
        break;
      case 'fabricLakehouse':
        item.iconPath = new vscode.ThemeIcon('database');
        item.description = node.configuredAs ? `in lakehouse.yml as ${node.configuredAs}` : undefined;
        item.tooltip = `${node.lakehouse.displayName}\n${node.entry.location.uri}`;
        break;
      case 'catalog':
        if (node.view?.status === 'missing') {
          item.label = 'No catalog';
          item.description = 'Create';
          item.iconPath = new vscode.ThemeIcon('add');
          item.tooltip = `${node.entry.catalogPath} does not exist. Click to create an empty DuckLake catalog.`;
          item.command = { title: 'Create Catalog', command: 'lakehouse.fabric.createCatalog', arguments: [node] };
          item.accessibilityInformation = { label: `No catalog, Create ${node.entry.catalogPath}` };
        } else {
          Object.assign(item, catalogItem(node));
          if (node.view) item.accessibilityInformation = { label: `${labelOf(node)}, lease ${describe(node)}` };
        }
        break;
      case 'fabricTables':
        item.iconPath = new vscode.ThemeIcon('folder');
        break;
      case 'fabricSchema':
        item.iconPath = new vscode.ThemeIcon('symbol-namespace');
        break;
      case 'fabricTable':
        item.iconPath = new vscode.ThemeIcon('table');
        item.description = tableDescription(node.table);
        item.tooltip = tableTooltip(node.table);
        break;
      case 'fabricFolder':
        item.iconPath = new vscode.ThemeIcon('folder');
        break;
      case 'fabricFile':
        item.iconPath = new vscode.ThemeIcon('file');
        item.description = node.file.size === undefined ? undefined : formatBytes(node.file.size);
        break;
      case 'problem':
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
        item.tooltip = node.message;
        break;
      case 'empty':
        item.iconPath = new vscode.ThemeIcon('info');
        break;
    }
    // Screen readers (and the e2e) read "label description", not the tooltip.
    item.accessibilityInformation ??= {
      label: [typeof item.label === 'string' ? item.label : labelOf(node), item.description].filter(Boolean).join(' '),
    };
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

function describe(node: Extract<FabricNode, { kind: 'catalog' }>): string {
  return node.view ? describeLeaseShort(node.view) : 'unknown';
}

function labelOf(node: FabricNode): string {
  switch (node.kind) {
    case 'fabricSignIn':
      return 'Sign in to Microsoft Fabric';
    case 'fabricAccount':
      return node.label;
    case 'fabricWorkspace':
      return node.workspace.displayName;
    case 'fabricLakehouse':
      return node.lakehouse.displayName;
    case 'catalog':
      return node.entry.catalogPath;
    case 'fabricTables':
      return 'Tables';
    case 'fabricSchema':
      return node.schema;
    case 'fabricTable':
      return node.table.table;
    case 'fabricFolder':
      return node.name;
    case 'fabricFile':
      return node.file.name;
    case 'problem':
    case 'empty':
      return node.message;
  }
}

function collapsible(node: FabricNode): vscode.TreeItemCollapsibleState {
  switch (node.kind) {
    case 'fabricAccount':
      return vscode.TreeItemCollapsibleState.Expanded;
    case 'fabricWorkspace':
    case 'fabricLakehouse':
    case 'fabricTables':
    case 'fabricSchema':
    case 'fabricFolder':
      return vscode.TreeItemCollapsibleState.Collapsed;
    default:
      return vscode.TreeItemCollapsibleState.None;
  }
}

/** "DuckLake + Delta v3", "DuckLake · not exported", "Delta v7". */
export function tableDescription(table: TableKind): string {
  switch (tableOrigin(table)) {
    case 'both':
      return `DuckLake + Delta v${table.deltaVersion}`;
    case 'ducklake':
      return 'DuckLake · no Delta log';
    case 'delta':
      return `Delta v${table.deltaVersion}`;
    case 'empty':
      return 'no data files';
  }
}

function tableTooltip(table: TableKind): string {
  const lines = [`Tables/${table.schema}/${table.table}`];
  if (table.ducklakeFiles) lines.push('DuckLake data files (ducklake-*.parquet)');
  if (table.deltaVersion !== undefined) lines.push(`Delta log: latest version ${table.deltaVersion}`);
  if (table.exportedSnapshot !== undefined)
    lines.push(`Last exported from DuckLake snapshot ${table.exportedSnapshot} (Delta version ${table.deltaVersion})`);
  else if (table.deltaVersion !== undefined) lines.push('The latest Delta commit was not written by Export Delta.');
  return lines.join('\n');
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
