import * as vscode from 'vscode';
import { catalogFileName } from '../../core/config/lakehouseConfig';
import { describeLeaseLong, describeLeaseShort, type LeaseView } from '../../core/lease/leaseView';
import { describeLocation } from '../../core/storage/location';
import { tally } from '../../core/run/summary';
import { formatDuration } from '../../core/util/duration';
import type { MirrorBusyStore } from '../mirrorBusy';
import type { ReadinessStore } from '../readinessStore';
import { describeTeamSnapshot } from '../../core/team/teamSnapshot';
import type { TeamCatalogState } from '../team/teamCatalogStore';
import { readinessBadge } from './readinessBadge';
import type { LakehouseTreeModel } from './lakehouseTreeModel';
import { contextValue, type TreeNode } from './treeNodes';

/** Draws TreeNodes as VS Code tree items; all data comes from the model. */
export class LakehouseTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly model: LakehouseTreeModel,
    private readonly readiness?: ReadinessStore,
    private readonly busy?: MirrorBusyStore,
  ) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  getChildren(node?: TreeNode): Promise<TreeNode[]> {
    return node ? this.model.children(node) : this.model.roots();
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const item = new vscode.TreeItem(labelOf(node), collapsible(node));
    item.id = node.id;
    item.contextValue = contextValue(node, (name) => this.busy?.isBusy(name) ?? false);
    switch (node.kind) {
      case 'workspace':
        item.description = node.description;
        item.iconPath = new vscode.ThemeIcon('folder-library');
        break;
      case 'lakehouse':
        item.description = node.entry.location.item;
        item.tooltip = `${node.entry.name}\n${describeLocation(node.entry.location)}\n${node.entry.location.uri}\nfrom ${node.entry.source}`;
        item.iconPath = new vscode.ThemeIcon('database');
        {
          const op = this.busy?.current(node.entry.name);
          // In the tooltip too: it is the row's accessible name, so screen readers hear it.
          if (op) {
            item.description += ` · ${op.what} running`;
            item.tooltip += `\n${op.what} running since ${op.since.toLocaleTimeString()}: Pull, Publish and Run are not offered until it ends`;
          }
        }
        break;
      case 'catalog':
        Object.assign(item, catalogItem(node));
        break;
      case 'teamCatalog':
        Object.assign(item, teamCatalogItem(node.state));
        break;
      case 'tables':
        item.iconPath = new vscode.ThemeIcon('folder');
        break;
      case 'schema':
        item.iconPath = new vscode.ThemeIcon('symbol-namespace');
        break;
      case 'table':
        item.iconPath = new vscode.ThemeIcon('table');
        item.tooltip = `Tables/${node.schema}/${node.table}`;
        {
          const badge = readinessBadge(this.readiness?.findings(node.entry.name, node.schema, node.table));
          item.description = badge.description;
          if (badge.tooltip) item.tooltip += `\n\n${badge.tooltip}`;
          if (badge.ariaSuffix) item.accessibilityInformation = { label: `${node.table}, ${badge.ariaSuffix}` };
        }
        break;
      case 'lastRun': {
        const failed = node.summary.results.filter((r) => r.status === 'error' || r.status === 'fail').length;
        item.description = `${tally(node.summary)} · ${node.finishedAt.toLocaleTimeString()}`;
        item.iconPath = new vscode.ThemeIcon(
          failed > 0 ? 'error' : 'pass',
          new vscode.ThemeColor(failed > 0 ? 'testing.iconFailed' : 'testing.iconPassed'),
        );
        break;
      }
      case 'runResult':
        item.description = [
          node.status,
          node.rows === undefined ? undefined : `${node.rows} rows`,
          `${node.seconds.toFixed(2)} s`,
        ]
          .filter(Boolean)
          .join(' · ');
        item.tooltip = `${node.resourceType} ${node.name}: ${node.message}`;
        item.iconPath = statusIcon(node.status);
        item.accessibilityInformation = { label: `${node.name}, ${node.status}, ${item.description}` };
        if (node.relation && node.resourceType === 'model' && node.status === 'success')
          item.contextValue = 'runResult.previewable';
        break;
      case 'problem':
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
        item.tooltip = node.message;
        break;
      case 'empty':
        item.iconPath = new vscode.ThemeIcon('info');
        break;
    }
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function labelOf(node: TreeNode): string {
  switch (node.kind) {
    case 'workspace':
      return node.label;
    case 'lakehouse':
      return node.entry.name;
    case 'catalog':
      return node.entry.catalogPath;
    case 'teamCatalog':
      return 'PostgreSQL · many writers';
    case 'tables':
      return 'Tables';
    case 'schema':
      return node.schema;
    case 'table':
      return node.table;
    case 'lastRun':
      return 'Last run';
    case 'runResult':
      return node.name;
    case 'problem':
    case 'empty':
      return node.message;
  }
}

function statusIcon(status: string): vscode.ThemeIcon {
  switch (status) {
    case 'success':
    case 'pass':
      return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
    case 'error':
    case 'fail':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
    case 'warn':
      return new vscode.ThemeIcon('warning', new vscode.ThemeColor('testing.iconQueued'));
    default:
      return new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('testing.iconSkipped'));
  }
}

function collapsible(node: TreeNode): vscode.TreeItemCollapsibleState {
  switch (node.kind) {
    case 'workspace':
    case 'lakehouse':
      return vscode.TreeItemCollapsibleState.Expanded;
    case 'tables':
    case 'schema':
      return vscode.TreeItemCollapsibleState.Collapsed;
    case 'lastRun':
      return vscode.TreeItemCollapsibleState.Expanded;
    default:
      return vscode.TreeItemCollapsibleState.None;
  }
}

/** A PostgreSQL catalog's row: many writers, so the latest commit instead of a lease. */
function teamCatalogItem(state: TeamCatalogState): Partial<vscode.TreeItem> {
  const description = state.snapshot
    ? describeTeamSnapshot(state.snapshot, new Date())
    : state.noConnection
      ? 'no connection set'
      : state.error
        ? 'unreachable'
        : 'reading…';
  const tooltip = new vscode.MarkdownString(undefined, true);
  tooltip.appendText(
    'DuckLake catalog in PostgreSQL: many writers commit at once, no lease. Data stays in the lakehouse Tables/.',
  );
  if (state.snapshot) {
    tooltip.appendMarkdown('\n\n');
    tooltip.appendText(
      `Latest snapshot ${state.snapshot.id} at ${state.snapshot.time.toISOString()}${state.snapshot.author ? ` by ${state.snapshot.author}` : ''}${state.snapshot.message ? ` (${state.snapshot.message})` : ''}.`,
    );
  }
  if (state.noConnection) {
    tooltip.appendMarkdown('\n\n');
    tooltip.appendText('Set its connection with "Lakehouse: Set PostgreSQL Catalog Connection".');
  }
  if (state.error) {
    tooltip.appendMarkdown('\n\n');
    tooltip.appendText(state.error);
  }
  return {
    description,
    tooltip,
    iconPath: new vscode.ThemeIcon(
      state.error || state.noConnection ? 'warning' : 'organization',
      state.error || state.noConnection ? new vscode.ThemeColor('list.warningForeground') : undefined,
    ),
    accessibilityInformation: { label: `PostgreSQL catalog, many writers, ${description}` },
  };
}

/** The catalog row's look (lease state, icon, tooltip); shared with the Microsoft Fabric view. */
export function catalogItem(
  node: Pick<Extract<TreeNode, { kind: 'catalog' }>, 'entry' | 'view' | 'error' | 'mine'>,
): Partial<vscode.TreeItem> {
  if (node.error || !node.view) {
    return {
      description: 'unreachable',
      tooltip: node.error,
      iconPath: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
    };
  }
  const view = node.view;
  const short = node.mine ? describeLeaseShort(view).replace(/^held by \S+/, 'held by you') : describeLeaseShort(view);
  const description = node.mine && view.stamp?.operation ? `${short} · ${doing(view.stamp.operation)}` : short;
  return {
    description,
    tooltip: leaseTooltip(view, catalogFileName(node.entry)),
    iconPath: leaseIcon(view),
    accessibilityInformation: { label: `${node.entry.catalogPath}, lease ${description}` },
  };
}

function leaseIcon(view: LeaseView): vscode.ThemeIcon {
  switch (view.status) {
    case 'free':
    case 'broken':
      return new vscode.ThemeIcon('unlock', new vscode.ThemeColor('charts.green'));
    case 'held':
      return new vscode.ThemeIcon('lock', new vscode.ThemeColor('charts.yellow'));
    case 'stale':
      return new vscode.ThemeIcon('warning', new vscode.ThemeColor('charts.red'));
    case 'breaking':
      return new vscode.ThemeIcon('sync~spin');
    case 'missing':
      return new vscode.ThemeIcon('circle-slash');
  }
}

function leaseTooltip(view: LeaseView, catalogName: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendText(describeLeaseLong(view, catalogName));
  md.appendMarkdown('\n\n');
  const rows: Array<[string, string | undefined]> = [
    ['lease state', view.leaseState],
    ['holder', view.stamp?.holder],
    ['operation', view.stamp?.operation],
    ['run id', view.stamp?.run_id],
    ['tool', view.stamp?.tool],
    ['acquired at', view.stamp?.acquired_at],
    ['age', view.ageMs === undefined ? undefined : formatDuration(view.ageMs)],
    ['stale after', formatDuration(view.staleAfterMs)],
    ['stale at', view.staleAt?.toISOString()],
    ['last modified', view.lastModified?.toISOString()],
  ];
  md.appendMarkdown('| | |\n|---|---|\n');
  for (const [key, value] of rows) {
    if (value) md.appendMarkdown(`| ${key} | ${escapeCell(value)} |\n`);
  }
  return md;
}

function escapeCell(text: string): string {
  return text.replace(/[\\|*_`[\]<>]/g, (c) => `\\${c}`);
}

/** What this window is doing with its lease, as the tree says it: "publishing", "running". */
function doing(operation: string): string {
  const words: Record<string, string> = {
    publish: 'publishing',
    run: 'running',
    'export-delta': 'exporting Delta',
    'clean-orphans': 'cleaning orphans',
  };
  return words[operation] ?? operation;
}
