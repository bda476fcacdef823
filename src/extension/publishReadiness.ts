import * as vscode from 'vscode';
import type { DuckDBSource } from '../core/lake/lazySession';
import type { LocalMirror } from '../core/lake/localMirror';
import {
  DEFAULT_SKU,
  describeFinding,
  gatePublish,
  parseSku,
  type ReadinessFinding,
  type ReadinessMode,
  type Sku,
} from '../core/readiness';
import type { Logger } from './log';

/** `lakehouse.readiness.sku`: the capacity whose Direct Lake limits apply. */
export function readinessSku(): Sku {
  return parseSku(vscode.workspace.getConfiguration('lakehouse').get<string>('readiness.sku')) ?? DEFAULT_SKU;
}

export function logFindings(log: Logger, findings: readonly ReadinessFinding[]): void {
  for (const f of findings) {
    if (f.severity === 'error') log.error(describeFinding(f));
    else log.warn(describeFinding(f));
  }
}

/** Publish's check (setting lakehouse.publish.readiness): logs findings; `refuse` throws before any upload. */
export async function publishReadiness(
  log: Logger,
  session: DuckDBSource,
  mirror: LocalMirror,
): Promise<ReadinessFinding[]> {
  const mode = vscode.workspace.getConfiguration('lakehouse').get<ReadinessMode>('publish.readiness', 'warn');
  const gate = await gatePublish({ mode, session, mirror, sku: readinessSku() });
  if (gate.checkFailed) log.warn(`Fabric readiness check could not run (${gate.checkFailed}); publishing anyway.`);
  logFindings(log, gate.findings);
  return gate.findings;
}
