import * as vscode from 'vscode';
import type { RunSummary } from '../../core/models';

export interface LastRun {
  lakehouse: string;
  projectDir: string;
  summary: RunSummary;
  finishedAt: Date;
}

/** The last run per lakehouse, for the tree's "Last run" section and Preview. */
export class RunHistory implements vscode.Disposable {
  private readonly runs = new Map<string, LastRun>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  record(run: LastRun): void {
    this.runs.set(run.lakehouse, run);
    this.changed.fire();
  }

  last(lakehouse: string): LastRun | undefined {
    return this.runs.get(lakehouse);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
