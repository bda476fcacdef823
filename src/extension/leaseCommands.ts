import * as vscode from 'vscode';
import { catalogFileName } from '../core/config/lakehouseConfig';
import { CancelledError } from '../core/errors';
import { describeLeaseLong } from '../core/lease/leaseView';
import { formatDuration } from '../core/util/duration';
import type { LakehouseConfigService } from './lakehouseConfig';
import type { LakehouseService } from './lakehouseService';
import { pickLakehouse } from './pickLakehouse';

export interface LeaseCommandDeps {
  config: LakehouseConfigService;
  lakehouses: LakehouseService;
  refresh: () => void;
}

/** Break Stale Lease: only a lease older than the threshold, conditionally, after a confirmation. */
export async function breakStaleLease(deps: LeaseCommandDeps, node?: unknown): Promise<void> {
  const entry = await pickLakehouse(node, deps.config, 'Break Stale Lease');
  const { guard } = await deps.lakehouses.open(entry);
  const view = await guard.inspect();
  const name = catalogFileName(entry);
  const confirm = await vscode.window.showWarningMessage(
    `Break the stale lease on ${name}?`,
    {
      modal: true,
      detail: `${describeLeaseLong(view, name)}\n\nIf that run is still alive, its next write to the catalog fails and writes nothing.`,
    },
    'Break Lease',
  );
  if (confirm !== 'Break Lease') throw new CancelledError('Break Stale Lease');
  const broken = await guard.breakIfStale();
  deps.refresh();
  void vscode.window.showInformationMessage(
    `Broke the stale lease on ${name} held by ${broken.stamp?.holder ?? 'an unknown holder'} for ${formatDuration(broken.ageMs ?? 0)}.`,
  );
}

/** Force Break: for a lease that is not stale; the user types the catalog name (Storage Explorer's pattern). */
export async function forceBreakLease(deps: LeaseCommandDeps, node?: unknown): Promise<void> {
  const entry = await pickLakehouse(node, deps.config, 'Force Break Lease');
  const { guard } = await deps.lakehouses.open(entry);
  const view = await guard.inspect();
  const name = catalogFileName(entry);
  const who = view.stamp?.holder ?? 'an unknown holder';
  const typed = await vscode.window.showInputBox({
    title: `Force break the lease on ${name}`,
    prompt: `${who} will lose the lease${view.stamp?.operation ? ` (${view.stamp.operation})` : ''}${
      view.ageMs !== undefined ? `, held for ${formatDuration(view.ageMs)}` : ''
    }. Their next write fails and writes nothing. Type ${name} to confirm.`,
    placeHolder: name,
    validateInput: (value) => (value === name ? undefined : `Type ${name} exactly to confirm.`),
    ignoreFocusOut: true,
  });
  if (typed !== name) throw new CancelledError('Force Break Lease');
  // Only the lease the dialog named: if someone else took it since, nothing is broken.
  await guard.forceBreak(view.etag);
  deps.refresh();
  void vscode.window.showInformationMessage(`Broke the lease on ${name}; ${who} no longer holds it.`);
}

/** Hold the catalog from this window (manual maintenance); shown in the status bar until released. */
export async function acquireLease(deps: LeaseCommandDeps, node?: unknown): Promise<void> {
  const entry = await pickLakehouse(node, deps.config, 'Acquire Lease');
  await deps.lakehouses.acquire(entry, 'manual');
  deps.refresh();
}

export async function releaseLease(deps: LeaseCommandDeps, node?: unknown): Promise<void> {
  const held = deps.lakehouses.held();
  const fromNode = node
    ? await pickLakehouse(node, deps.config, 'Release Lease')
    : held.length === 1
      ? held[0]!.entry
      : undefined;
  const entry = fromNode ?? (await pickLakehouse(undefined, deps.config, 'Release Lease'));
  await deps.lakehouses.release(entry);
  deps.refresh();
}
