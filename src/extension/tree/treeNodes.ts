import type { LakehouseEntry } from '../../core/config/lakehouseConfig';
import type { LeaseView } from '../../core/lease/leaseView';
import type { NodeStatus, RunSummary } from '../../core/models';
import type { TeamCatalogState } from '../team/teamCatalogStore';

/**
 * Tree nodes as plain data. `contextValue()` derives the menu key from the
 * kind (and, for the catalog, the lease status) so `when` clauses can match
 * `viewItem == lakehouse` or `viewItem =~ /^catalog\.stale/`.
 */
export type TreeNode =
  | { kind: 'workspace'; id: string; label: string; description: string; entries: LakehouseEntry[] }
  | { kind: 'lakehouse'; id: string; entry: LakehouseEntry }
  | { kind: 'catalog'; id: string; entry: LakehouseEntry; view?: LeaseView; error?: string; mine: boolean }
  | { kind: 'teamCatalog'; id: string; entry: LakehouseEntry; state: TeamCatalogState }
  | { kind: 'tables'; id: string; entry: LakehouseEntry }
  | { kind: 'schema'; id: string; entry: LakehouseEntry; schema: string }
  | { kind: 'table'; id: string; entry: LakehouseEntry; schema: string; table: string }
  | { kind: 'lastRun'; id: string; entry: LakehouseEntry; summary: RunSummary; finishedAt: Date }
  | {
      kind: 'runResult';
      id: string;
      entry: LakehouseEntry;
      name: string;
      status: NodeStatus;
      rows?: number;
      seconds: number;
      message: string;
      relation?: string;
      resourceType: string;
    }
  | { kind: 'problem'; id: string; message: string }
  | { kind: 'empty'; id: string; message: string };

/**
 * A lakehouse whose mirror an operation of this window is using is `lakehouse.busy`: menus
 * that take the mirror match `viewItem == lakehouse` only, so they are not offered on it.
 */
export function contextValue(node: TreeNode, isBusy: (lakehouse: string) => boolean = () => false): string {
  if (node.kind === 'lakehouse') return isBusy(node.entry.name) ? 'lakehouse.busy' : 'lakehouse';
  if (node.kind !== 'catalog') return node.kind;
  if (node.error) return 'catalog.error';
  const status = node.view?.status ?? 'unknown';
  return `catalog.${status}${node.mine ? '.mine' : ''}`;
}

/** The lakehouse entry a node belongs to, for commands run from its context menu. */
export function entryOf(node: TreeNode | undefined): LakehouseEntry | undefined {
  if (!node) return undefined;
  return 'entry' in node ? node.entry : undefined;
}
