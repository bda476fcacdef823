import * as vscode from 'vscode';
import type { FabricStore } from './fabricStore';

/**
 * Polls the Fabric store only while its view is visible, once per staleness
 * budget; the store fires the nodes whose data changed. Becoming visible
 * re-renders from the cache (no request while the budget lasts).
 */
export function fabricPolling(
  view: vscode.TreeView<unknown>,
  store: FabricStore,
  budgetSeconds: () => number,
  rerender: () => void,
): vscode.Disposable {
  let timer: NodeJS.Timeout | undefined;
  const restart = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
    if (view.visible) timer = setInterval(() => void store.poll(), Math.max(5, budgetSeconds()) * 1000);
  };
  restart();
  return vscode.Disposable.from(
    view.onDidChangeVisibility((e) => {
      if (e.visible) rerender();
      restart();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('lakehouse.fabric.cacheSeconds')) restart();
    }),
    { dispose: () => timer && clearInterval(timer) },
  );
}
