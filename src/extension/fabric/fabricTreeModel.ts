import type { LakehouseEntry } from '../../core/config/lakehouseConfig';
import { describeError, LakehouseError } from '../../core/errors';
import type { LakehouseService } from '../lakehouseService';
import type { FabricNode } from './fabricNodes';
import { storeKey, type FabricStore } from './fabricStore';
import type { WorkspacePreferences } from './workspacePreferences';

/**
 * What the Microsoft Fabric view shows, apart from how VS Code draws it:
 * account → workspaces (pinned first, filtered) → lakehouses → Catalog (lease
 * state), Tables (schemas → tables) and Files (one level at a time). All data
 * comes from the store.
 */
export class FabricTreeModel {
  constructor(
    private readonly store: FabricStore,
    private readonly prefs: WorkspacePreferences,
    private readonly lakehouses: LakehouseService,
    /** This project's configured lakehouses (lakehouse.yml), read locally. */
    private readonly configured: () => Promise<LakehouseEntry[]>,
  ) {}

  async roots(): Promise<FabricNode[]> {
    const state = await this.store.signInState();
    if (state.kind === 'signedOut')
      return [{ kind: 'fabricSignIn', id: 'fabric:signin', keys: [], reason: state.reason }];
    return [
      {
        kind: 'fabricAccount',
        id: 'fabric:account',
        keys: ['workspaces'],
        label: state.account.label,
        tenantId: state.tenantId,
        filter: this.prefs.filter() || undefined,
      },
    ];
  }

  async children(node: FabricNode): Promise<FabricNode[]> {
    try {
      return await this.childrenOf(node);
    } catch (error) {
      if (error instanceof LakehouseError && (error.code === 'signin-required' || error.code === 'fabric-signin')) {
        return [{ kind: 'fabricSignIn', id: `${node.id}:signin`, keys: [], reason: 'expired' }];
      }
      return [{ kind: 'problem', id: `${node.id}:problem`, keys: [], message: describeError(error) }];
    }
  }

  private async childrenOf(node: FabricNode): Promise<FabricNode[]> {
    switch (node.kind) {
      case 'fabricAccount': {
        const filter = this.prefs.filter().toLowerCase();
        const pinned = new Set(this.prefs.pinned());
        const list = (await this.store.workspaces())
          .filter((w) => !filter || w.displayName.toLowerCase().includes(filter))
          .sort(
            (a, b) => Number(pinned.has(b.id)) - Number(pinned.has(a.id)) || a.displayName.localeCompare(b.displayName),
          );
        if (list.length === 0)
          return [empty(node, filter ? `No workspace matches "${filter}"` : 'No workspaces for this account')];
        return list.map((workspace) => ({
          kind: 'fabricWorkspace',
          id: `fabric:ws:${workspace.id}`,
          keys: [`workspace:${workspace.id}`, `lakehouses:${workspace.id}`],
          workspace,
          pinned: pinned.has(workspace.id),
        }));
      }
      case 'fabricWorkspace': {
        const list = await this.store.lakehouses(node.workspace.id);
        if (list.length === 0) return [empty(node, 'No lakehouses in this workspace')];
        const configured = await this.configured().catch(() => []);
        return list.map(({ workspace, lakehouse, entry }) => ({
          kind: 'fabricLakehouse',
          id: `fabric:lh:${workspace.id}/${lakehouse.id}`,
          keys: [`catalog:${storeKey(entry)}`],
          workspace,
          lakehouse,
          entry,
          configuredAs: configured.find((c) => isSameLakehouse(c, workspace, lakehouse))?.name,
        }));
      }
      case 'fabricLakehouse': {
        const key = storeKey(node.entry);
        return [
          await this.catalogNode(node.id, node.entry),
          { kind: 'fabricTables', id: `${node.id}/Tables`, keys: [`schemas:${key}`], entry: node.entry },
          {
            kind: 'fabricFolder',
            id: `${node.id}/Files`,
            keys: [`files:${key}/Files`],
            entry: node.entry,
            path: 'Files',
            name: 'Files',
          },
        ];
      }
      case 'fabricTables': {
        const schemas = await this.store.schemas(node.entry);
        if (schemas.length === 0) return [empty(node, 'No tables yet')];
        return schemas.map((schema) => ({
          kind: 'fabricSchema',
          id: `${node.id}/${schema}`,
          keys: [`tables:${storeKey(node.entry)}/${schema}`],
          entry: node.entry,
          schema,
        }));
      }
      case 'fabricSchema': {
        const tables = await this.store.tables(node.entry, node.schema);
        if (tables.length === 0) return [empty(node, 'No tables')];
        return tables.map((table) => ({
          kind: 'fabricTable',
          id: `${node.id}/${table.table}`,
          keys: [],
          entry: node.entry,
          table,
        }));
      }
      case 'fabricFolder': {
        const entries = await this.store.files(node.entry, node.path);
        if (entries.length === 0) return [empty(node, 'Empty folder')];
        return entries.map((e) =>
          e.kind === 'folder'
            ? {
                kind: 'fabricFolder',
                id: `${node.id}/${e.name}`,
                keys: [`files:${storeKey(node.entry)}/${node.path}/${e.name}`],
                entry: node.entry,
                path: `${node.path}/${e.name}`,
                name: e.name,
              }
            : {
                kind: 'fabricFile',
                id: `${node.id}/${e.name}`,
                keys: [],
                entry: node.entry,
                path: `${node.path}/${e.name}`,
                file: e,
              },
        );
      }
      default:
        return [];
    }
  }

  private async catalogNode(parentId: string, entry: LakehouseEntry): Promise<FabricNode> {
    const base = { kind: 'catalog' as const, id: `${parentId}/catalog`, keys: [], entry };
    try {
      const view = await this.store.catalog(entry);
      return { ...base, view, mine: this.lakehouses.isMine(entry, view) };
    } catch (error) {
      if (error instanceof LakehouseError && error.code === 'signin-required') throw error;
      return { ...base, error: describeError(error), mine: false };
    }
  }
}

/** A lakehouse.yml entry on OneLake naming this workspace and lakehouse, by GUID or by name. */
function isSameLakehouse(
  entry: LakehouseEntry,
  workspace: { id: string; displayName: string },
  lakehouse: { id: string; displayName: string },
): boolean {
  if (entry.location.kind !== 'onelake') return false;
  const { container, item } = entry.location;
  const sameWorkspace = container.toLowerCase() === workspace.id.toLowerCase() || container === workspace.displayName;
  const sameItem = item.toLowerCase() === lakehouse.id.toLowerCase() || item === `${lakehouse.displayName}.Lakehouse`;
  return sameWorkspace && sameItem;
}

function empty(node: FabricNode, message: string): FabricNode {
  return { kind: 'empty', id: `${node.id}:empty`, keys: [], message };
}
