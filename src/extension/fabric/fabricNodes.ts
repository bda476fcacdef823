import type { LakehouseEntry } from '../../core/config/lakehouseConfig';
import type { FolderEntry, TableKind } from '../../core/browse/tableKinds';
import type { FabricLakehouse, FabricWorkspace, FabricWorkspaceDetails } from '../../core/fabric';
import type { LeaseView } from '../../core/lease/leaseView';

/**
 * Nodes of the Microsoft Fabric view as plain data; `kind` is the
 * contextValue (menus match `viewItem == fabricLakehouse`), except the
 * catalog, which uses the Lakehouses view's `catalog.<status>[.mine]` so the
 * lease commands and their `when` clauses work on both views. `keys` are the
 * store keys a node's children come from: when one changes, that node is
 * re-rendered, nothing else.
 */
export type FabricNode =
  | { kind: 'fabricSignIn'; id: string; keys: string[]; reason: 'noSession' | 'signedOut' | 'expired' }
  | { kind: 'fabricAccount'; id: string; keys: string[]; label: string; tenantId?: string; filter?: string }
  | { kind: 'fabricWorkspace'; id: string; keys: string[]; workspace: FabricWorkspace; pinned: boolean }
  | {
      kind: 'fabricLakehouse';
      id: string;
      keys: string[];
      workspace: FabricWorkspaceDetails;
      lakehouse: FabricLakehouse;
      entry: LakehouseEntry;
      /** The name of this project's lakehouse.yml entry for it, when there is one. */
      configuredAs?: string;
    }
  | {
      kind: 'catalog';
      id: string;
      keys: string[];
      entry: LakehouseEntry;
      view?: LeaseView;
      error?: string;
      mine: boolean;
    }
  | { kind: 'fabricTables'; id: string; keys: string[]; entry: LakehouseEntry }
  | { kind: 'fabricSchema'; id: string; keys: string[]; entry: LakehouseEntry; schema: string }
  | { kind: 'fabricTable'; id: string; keys: string[]; entry: LakehouseEntry; table: TableKind }
  | { kind: 'fabricFolder'; id: string; keys: string[]; entry: LakehouseEntry; path: string; name: string }
  | { kind: 'fabricFile'; id: string; keys: string[]; entry: LakehouseEntry; path: string; file: FolderEntry }
  | { kind: 'problem'; id: string; keys: string[]; message: string }
  | { kind: 'empty'; id: string; keys: string[]; message: string };

export function fabricContextValue(node: FabricNode): string {
  switch (node.kind) {
    case 'catalog':
      if (node.error) return 'catalog.error';
      return `catalog.${node.view?.status ?? 'unknown'}${node.mine ? '.mine' : ''}`;
    case 'fabricWorkspace':
      return node.pinned ? 'fabricWorkspace.pinned' : 'fabricWorkspace';
    case 'fabricLakehouse':
      return node.configuredAs ? 'fabricLakehouse.added' : 'fabricLakehouse';
    default:
      return node.kind;
  }
}

/** The path inside the lakehouse a node stands for (Copy Path), when it has one. */
export function itemPathOf(node: FabricNode): string | undefined {
  switch (node.kind) {
    case 'fabricLakehouse':
      return '';
    case 'catalog':
      return node.entry.catalogPath;
    case 'fabricTables':
      return 'Tables';
    case 'fabricSchema':
      return `Tables/${node.schema}`;
    case 'fabricTable':
      return `Tables/${node.table.schema}/${node.table.table}`;
    case 'fabricFolder':
    case 'fabricFile':
      return node.path;
    default:
      return undefined;
  }
}
