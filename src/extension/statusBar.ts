import * as vscode from 'vscode';
import type { LakehouseService } from './lakehouseService';

/** Shows the catalog leases this window holds; hidden when it holds none. */
export function createLeaseStatusBar(lakehouses: LakehouseService): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('lakehouse.lease', vscode.StatusBarAlignment.Left, 50);
  item.name = 'Lakehouse Lease';
  const update = () => {
    const held = lakehouses.held();
    if (held.length === 0) {
      item.hide();
      return;
    }
    const first = held[0]!;
    item.text = `$(lock) ${first.entry.name}${held.length > 1 ? ` +${held.length - 1}` : ''} · ${first.held.stamp.operation}`;
    item.tooltip = held
      .map(
        (h) =>
          `${h.entry.name}: ${h.entry.catalogPath} held by this window (${h.held.stamp.operation}) since ${h.held.stamp.acquired_at}`,
      )
      .join('\n');
    item.command = { title: 'Release Lease', command: 'lakehouse.releaseLease' };
    item.accessibilityInformation = { label: `Lakehouse lease held on ${first.entry.name}` };
    item.show();
  };
  update();
  const listener = lakehouses.onDidChangeHeld(update);
  return vscode.Disposable.from(item, listener);
}
