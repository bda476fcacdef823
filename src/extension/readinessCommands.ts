import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { LakehouseError } from '../core/errors';
import { LazyDuckDBSession } from '../core/lake/lazySession';
import { checkReadiness, errorsOf } from '../core/readiness';
import type { LakehouseConfigService } from './lakehouseConfig';
import type { LakehouseService } from './lakehouseService';
import { mirrorFor } from './lakeCommands';
import type { Logger } from './log';
import { pickLakehouse } from './pickLakehouse';
import { logFindings, readinessSku } from './publishReadiness';
import type { ReadinessStore } from './readinessStore';
import { withCancellableProgress } from './withProgress';

export interface ReadinessDeps {
  log: Logger;
  config: LakehouseConfigService;
  lakehouses: LakehouseService;
  readiness: ReadinessStore;
}

/** Lakehouse: Check Fabric Readiness — the local catalog and mirror only, no network. */
export async function checkReadinessCommand(deps: ReadinessDeps, node?: unknown): Promise<void> {
  const entry = await pickLakehouse(node, deps.config, 'Check Fabric Readiness');
  const mirror = mirrorFor(entry);
  if (!existsSync(mirror.catalogFile))
    throw new LakehouseError(
      'not-pulled',
      `There is no local copy of ${entry.name} to check.`,
      'Run Lakehouse: Pull (or Run Models) first.',
    );
  const chosen = readinessSku();
  const report = await withCancellableProgress(`Checking Fabric readiness · ${entry.name}`, async () => {
    const session = LazyDuckDBSession.of(deps.lakehouses.duckdbOptions());
    try {
      return await checkReadiness({
        session,
        catalogPath: mirror.catalogFile,
        dataFile: (path) => mirror.dataFile(path),
        sku: chosen,
      });
    } finally {
      await session.close();
    }
  });
  deps.readiness.set(entry.name, report);
  logFindings(deps.log, report.findings);
  const errors = errorsOf(report.findings).length;
  const tables = new Set(report.findings.map((f) => f.table)).size;
  const text =
    report.findings.length === 0
      ? `${entry.name} is Fabric-ready on ${chosen}: ${report.tables.length} table(s), no findings.`
      : `${entry.name}: ${report.findings.length} readiness finding(s) (${errors} error(s)) in ${tables} table(s) on ${chosen}.`;
  deps.log.info(text);
  const pick = await (errors > 0
    ? vscode.window.showWarningMessage(text, 'Show Log')
    : vscode.window.showInformationMessage(text, 'Show Log'));
  if (pick === 'Show Log') deps.log.show(true);
}
