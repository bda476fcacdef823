import type { LakehouseEntry } from '../../core/config/lakehouseConfig';
import { describeError } from '../../core/errors';
import { judgeLease } from '../../core/lease/leaseView';
import { stampTime, stampToMetadata } from '../../core/lease/stamp';
import { describeLocation } from '../../core/storage/location';
import type { LakehouseConfigService } from '../lakehouseConfig';
import type { LakehouseService } from '../lakehouseService';
import type { RunHistory } from '../run/runHistory';
import type { TeamCatalogStore } from '../team/teamCatalogStore';
import type { TreeNode } from './treeNodes';

/**
 * What the Lakehouses view shows, apart from how VS Code draws it:
 * workspaces → lakehouses → the catalog with its lease state, and the
 * Tables folder (schemas → tables, listed lazily from storage).
 */
export class LakehouseTreeModel {
  constructor(
    private readonly config: LakehouseConfigService,
    private readonly lakehouses: LakehouseService,
    private readonly history: RunHistory,
    private readonly teamCatalogs?: TeamCatalogStore,
  ) {}

  async roots(): Promise<TreeNode[]> {
    const { entries, problems } = await this.config.load();
    const nodes: TreeNode[] = problems.map((message, i) => ({ kind: 'problem', id: `problem:${i}`, message }));
    const byWorkspace = new Map<string, LakehouseEntry[]>();
    for (const entry of entries) {
      const key = `${entry.location.accountUrl}/${entry.location.container}`;
      byWorkspace.set(key, [...(byWorkspace.get(key) ?? []), entry]);
    }
    for (const [key, list] of byWorkspace) {
      const first = list[0]!;
      nodes.push({
        kind: 'workspace',
        id: `ws:${key}`,
        label: first.location.container,
        description:
          first.location.kind === 'onelake' ? 'OneLake' : describeLocation(first.location).replace(/ \S+$/, ''),
        entries: list,
      });
    }
    return nodes;
  }

  async children(node: TreeNode): Promise<TreeNode[]> {
    switch (node.kind) {
      case 'workspace':
        return node.entries.map((entry) => ({ kind: 'lakehouse', id: `lh:${entry.name}`, entry }));
      case 'lakehouse': {
        const nodes: TreeNode[] = [
          await this.catalogNode(node.entry),
          { kind: 'tables', id: `tables:${node.entry.name}`, entry: node.entry },
        ];
        const last = this.history.last(node.entry.name);
        if (last) {
          nodes.push({
            kind: 'lastRun',
            id: `run:${node.entry.name}`,
            entry: node.entry,
            summary: last.summary,
            finishedAt: last.finishedAt,
          });
        }
        return nodes;
      }
      case 'lastRun':
        return node.summary.results.map((r) => ({
          kind: 'runResult',
          id: `${node.id}/${r.uniqueId}`,
          entry: node.entry,
          name: r.name,
          status: r.status,
          rows: r.rowsAffected,
          seconds: r.executionTime,
          message: (r.error?.message ?? r.message).split('\n')[0] ?? '',
          relation: r.relationName,
          resourceType: r.resourceType,
        }));
      case 'tables':
        return this.listed(
          node.id,
          () => this.lakehouses.listSchemas(node.entry),
          (schema) => ({
            kind: 'schema',
            id: `${node.id}/${schema}`,
            entry: node.entry,
            schema,
          }),
          'No tables yet',
        );
      case 'schema':
        return this.listed(
          node.id,
          () => this.lakehouses.listTables(node.entry, node.schema),
          (table) => ({
            kind: 'table',
            id: `${node.id}/${table}`,
            entry: node.entry,
            schema: node.schema,
            table,
          }),
          'No tables',
        );
      default:
        return [];
    }
  }

  async catalogNode(entry: LakehouseEntry): Promise<TreeNode> {
    const id = `catalog:${entry.name}`;
    // Team mode: no lease to show, but the latest commit (from the store's cache; never awaited here).
    if (entry.catalogStore?.kind === 'postgres' && this.teamCatalogs)
      return { kind: 'teamCatalog', id, entry, state: this.teamCatalogs.peek(entry) };
    const mine = this.lakehouses.heldFor(entry);
    if (mine) {
      // We hold it: the state is known without a request, and shows at once while a publish runs.
      const metadata = stampToMetadata(mine.held.stamp);
      const view = judgeLease(
        // Our own lease: our clock is the one that stamped it, so its age needs no service answer.
        {
          exists: true,
          leaseState: 'leased',
          leaseDuration: 'infinite',
          metadata,
          lastModified: stampTime(mine.held.stamp),
        },
        new Date(),
        entry.staleAfterMs,
      );
      return { kind: 'catalog', id, entry, view, mine: true };
    }
    try {
      const view = await this.lakehouses.inspect(entry);
      return { kind: 'catalog', id, entry, view, mine: this.lakehouses.isMine(entry, view) };
    } catch (error) {
      return { kind: 'catalog', id, entry, error: describeError(error), mine: false };
    }
  }

  private async listed(
    id: string,
    list: () => Promise<string[]>,
    make: (name: string) => TreeNode,
    emptyText: string,
  ): Promise<TreeNode[]> {
    try {
      const names = await list();
      return names.length > 0 ? names.map(make) : [{ kind: 'empty', id: `${id}:empty`, message: emptyText }];
    } catch (error) {
      return [{ kind: 'problem', id: `${id}:problem`, message: describeError(error) }];
    }
  }
}
