import * as vscode from 'vscode';
import type { LakehouseEntry } from '../core/config/lakehouseConfig';
import { CancelledError, ConfigError } from '../core/errors';
import { describeLocation } from '../core/storage/location';
import type { LakehouseConfigService } from './lakehouseConfig';
import { entryOf, type TreeNode } from './tree/treeNodes';

/** The lakehouse a command acts on: the tree node it was run on, the only one, or a pick. */
export async function pickLakehouse(
  node: unknown,
  config: LakehouseConfigService,
  title: string,
): Promise<LakehouseEntry> {
  const fromNode = entryOf(node as TreeNode | undefined);
  if (fromNode) return fromNode;
  const { entries } = await config.load();
  if (entries.length === 0)
    throw new ConfigError(
      'No lakehouse is configured.',
      'Add one to lakehouse.yml or the lakehouse.locations setting.',
    );
  if (entries.length === 1) return entries[0]!;
  const pick = await vscode.window.showQuickPick(
    entries.map((entry) => ({ label: entry.name, description: describeLocation(entry.location), entry })),
    { title, placeHolder: 'Which lakehouse?' },
  );
  if (!pick) throw new CancelledError(title);
  return pick.entry;
}
