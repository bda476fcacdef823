import * as vscode from 'vscode';

/**
 * Refreshes the lease state on an interval, but only while the view is
 * visible: a hidden view costs no requests.
 */
export function autoRefresh(view: vscode.TreeView<unknown>, refresh: () => void): vscode.Disposable {
  let timer: NodeJS.Timeout | undefined;
  const restart = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
    const seconds = vscode.workspace.getConfiguration('lakehouse').get<number>('lease.refreshInterval', 30);
    if (view.visible && seconds > 0) timer = setInterval(refresh, seconds * 1000);
  };
  restart();
  return vscode.Disposable.from(
    view.onDidChangeVisibility((e) => {
      if (e.visible) refresh();
      restart();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('lakehouse.lease.refreshInterval')) restart();
    }),
    { dispose: () => timer && clearInterval(timer) },
  );
}
