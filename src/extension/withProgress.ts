import * as vscode from 'vscode';
import type { Progress } from '../core/util/progress';

/**
 * Long work as a cancellable notification: the core gets an AbortSignal (wired
 * to DuckDB's interrupt and the storage SDK) and a Progress it reports to.
 */
export function withCancellableProgress<T>(
  title: string,
  work: (progress: Progress, signal: AbortSignal) => Promise<T>,
): Thenable<T> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    (progress, token) => {
      const controller = new AbortController();
      const subscription = token.onCancellationRequested(() => controller.abort());
      return work({ report: (update) => progress.report(update) }, controller.signal).finally(() =>
        subscription.dispose(),
      );
    },
  );
}
