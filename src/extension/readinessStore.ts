import * as vscode from 'vscode';
import type { ReadinessFinding, ReadinessReport } from '../core/readiness';

/**
 * The last readiness report per lakehouse, filled by Check Fabric Readiness
 * (and by Publish's check). The tree reads it to badge table nodes; it never
 * runs a check itself.
 */
export class ReadinessStore implements vscode.Disposable {
  private readonly reports = new Map<string, ReadinessReport>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  set(lakehouse: string, report: ReadinessReport): void {
    this.reports.set(lakehouse, report);
    this.changed.fire();
  }

  /** Findings of one table; undefined when no check has run for its lakehouse. */
  findings(lakehouse: string, schema: string, table: string): ReadinessFinding[] | undefined {
    const report = this.reports.get(lakehouse);
    if (!report) return undefined;
    return report.findings.filter((f) => f.table === `${schema}.${table}`);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
