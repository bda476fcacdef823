import * as vscode from 'vscode';
import { catalogFileName, type LakehouseEntry } from '../core/config/lakehouseConfig';
import { CancelledError, LakehouseError } from '../core/errors';
import { LazyDuckDBSession, type DuckDBSource } from '../core/lake/lazySession';
import { LocalMirror } from '../core/lake/localMirror';
import { formatBytes, pull } from '../core/lake/pull';
import { exportRemoteCatalog } from '../core/publish/exportRemote';
import { planPublish, publish, type PublishSummary } from '../core/publish/publish';
import type { LakehouseConfigService } from './lakehouseConfig';
import type { LakehouseService } from './lakehouseService';
import type { Logger } from './log';
import type { MirrorBusyStore } from './mirrorBusy';
import { pickLakehouse } from './pickLakehouse';
import { publishReadiness } from './publishReadiness';
import { withCancellableProgress } from './withProgress';

export interface LakeCommandDeps {
  log: Logger;
  config: LakehouseConfigService;
  lakehouses: LakehouseService;
  refresh: () => void;
  /** Marks the lakehouse's mirror busy while an operation runs, so the editor stops offering the others. */
  busy: MirrorBusyStore;
}

/**
 * Testing aid: LAKEHOUSE_PUBLISH_STEP_PAUSE_MS pauses after each publish step so
 * an in-editor test can watch the lease shown as held while publish runs.
 */
function stepPause(): (() => Promise<void>) | undefined {
  const ms = Number(process.env.LAKEHOUSE_PUBLISH_STEP_PAUSE_MS ?? 0);
  return ms > 0 ? () => new Promise((resolve) => setTimeout(resolve, ms)) : undefined;
}

/** `.lakehouse/<name>/` in the first workspace folder: the working catalog and the data mirror. */
export function mirrorFor(entry: LakehouseEntry): LocalMirror {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder)
    throw new LakehouseError('usage', 'Open a folder first: the local catalog lives in its .lakehouse/ folder.');
  return LocalMirror.forLakehouse(folder.uri.fsPath, entry.name);
}

/** DuckDB opens on first use: reading a SQLite catalog does not need it (core/lake/lazySession.ts). */
async function withSession<T>(deps: LakeCommandDeps, work: (session: DuckDBSource) => Promise<T>): Promise<T> {
  const session = LazyDuckDBSession.of(deps.lakehouses.duckdbOptions());
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}

export async function pullCommand(deps: LakeCommandDeps, node?: unknown, discardLocalChanges = false): Promise<void> {
  const entry = await pickLakehouse(node, deps.config, discardLocalChanges ? 'Reset Local Catalog to Remote' : 'Pull');
  const { store } = await deps.lakehouses.open(entry);
  const mirror = mirrorFor(entry);
  const result = await deps.busy.run(entry.name, discardLocalChanges ? 'reset' : 'pull', () =>
    withCancellableProgress(`Pulling ${entry.name}`, (progress, signal) =>
      withSession(deps, (session) => pull({ entry, store, mirror, session, discardLocalChanges, progress, signal })),
    ),
  );
  const text = `Pulled ${entry.name}: catalog ${result.catalog}, ${result.files.downloaded} data files downloaded (${formatBytes(result.files.downloadedBytes)}), ${result.files.cached} already local.`;
  deps.log.info(text);
  void vscode.window.showInformationMessage(text);
}

export async function resetLocalCommand(deps: LakeCommandDeps, node?: unknown): Promise<void> {
  const entry = await pickLakehouse(node, deps.config, 'Reset Local Catalog to Remote');
  const choice = await vscode.window.showWarningMessage(
    `Reset the local ${catalogFileName(entry)} of ${entry.name} to the remote one?`,
    {
      modal: true,
      detail: 'Changes your runs made that were never published are discarded. Local data files stay as a cache.',
    },
    'Reset',
  );
  if (choice !== 'Reset') throw new CancelledError('Reset');
  await pullCommand(deps, { kind: 'lakehouse', id: `lh:${entry.name}`, entry }, true);
}

/** Publish: confirm what goes up, then lease → upload → commit → Delta → release, with Cancel. */
export async function publishCommand(deps: LakeCommandDeps, node?: unknown): Promise<PublishSummary | undefined> {
  const entry = await pickLakehouse(node, deps.config, 'Publish');
  const { store, guard } = await deps.lakehouses.open(entry);
  const mirror = mirrorFor(entry);
  if (!(await mirror.readState()))
    throw new LakehouseError(
      'not-pulled',
      `Nothing to publish: ${entry.name} has not been pulled into this workspace.`,
      'Run Models (or Lakehouse: Pull) first.',
    );
  const plan = await withSession(deps, (session) => planPublish(session, mirror));
  if (!plan.localChanges) {
    void vscode.window.showInformationMessage(
      `Nothing to publish: the local ${catalogFileName(entry)} of ${entry.name} is the one you pulled.`,
    );
    return undefined;
  }
  const listing =
    plan.tables.length > 0 ? plan.tables.map((t) => `• ${t}`).join('\n') : '• catalog changes only (no new data files)';
  const confirm = await vscode.window.showInformationMessage(
    `Publish ${plan.tables.length} table(s) to ${entry.name}?`,
    {
      modal: true,
      detail: `${listing}\n\n${plan.files.length} new data file(s), ${formatBytes(plan.bytes)} to upload, then the catalog and Delta Lake logs. The lease is held until it is done.`,
    },
    'Publish',
  );
  if (confirm !== 'Publish') throw new CancelledError('Publish');

  let findings = 0;
  const windowLease = deps.lakehouses.heldFor(entry);
  const summary = await deps.busy
    .run(entry.name, 'publish', () =>
      withCancellableProgress(`Publishing ${entry.name}`, (progress, signal) =>
        withSession(deps, async (session) => {
          // Before anything is uploaded: `refuse` stops here with every error finding listed.
          findings = (await publishReadiness(deps.log, session, mirror)).length;
          return publish({
            entry,
            store,
            guard,
            mirror,
            session,
            maintenance: vscode.workspace.getConfiguration('lakehouse').get<boolean>('publish.maintenance', true)
              ? undefined
              : false,
            progress,
            signal,
            onStep: stepPause(),
            // This window's own lease (Acquire Lease, maybe before a reload) is re-taken, not a busy catalog.
            reuse: windowLease && { leaseId: windowLease.held.leaseId, runId: windowLease.held.stamp.run_id },
            onLease: (held) => {
              deps.lakehouses.track(entry, held);
              deps.refresh();
            },
          });
        }),
      ),
    )
    .catch(async (error: unknown) => {
      // A publish that failed while re-taking this window's lease may have let it go.
      if (windowLease) await deps.lakehouses.recheck(entry);
      throw error;
    });
  const text = `${summary.status === 'finished-earlier-publish' ? 'Finished an interrupted publish of' : 'Published'} ${entry.name}: ${summary.tables.length} table(s), ${summary.files} file(s), ${formatBytes(summary.bytes)}, ${summary.requests} requests, ${summary.seconds.toFixed(1)} s.`;
  deps.log.info(text);
  for (const t of summary.delta?.tables ?? []) {
    if (t.status === 'skipped')
      deps.log.warn(`Delta: ${t.schema}.${t.name} not exported: ${t.skipped?.message} ${t.skipped?.hint ?? ''}`);
    else if (t.status !== 'unchanged')
      deps.log.info(`Delta: ${t.schema}.${t.name} v${t.version} (+${t.adds} −${t.removes})`);
  }
  const skipped = (summary.delta?.tables ?? []).filter((t) => t.status === 'skipped');
  if (skipped.length > 0 || findings > 0) {
    const pick = await vscode.window.showWarningMessage(
      `${text}${skipped.length ? ` ${skipped.length} table(s) were not exported to Delta.` : ''}${findings ? ` ${findings} Fabric readiness finding(s).` : ''}`,
      'Show Log',
    );
    if (pick === 'Show Log') deps.log.show(true);
  } else {
    void vscode.window.showInformationMessage(text);
  }
  deps.refresh();
  return summary;
}

/** Export Delta from the remote catalog on its own (recovery), under the lease. */
export async function exportDeltaCommand(deps: LakeCommandDeps, node?: unknown): Promise<void> {
  const entry = await pickLakehouse(node, deps.config, 'Export Delta');
  const { store, guard } = await deps.lakehouses.open(entry);
  const report = await deps.busy.run(entry.name, 'export-delta', () =>
    withCancellableProgress(`Exporting Delta · ${entry.name}`, (progress, signal) =>
      withSession(deps, (session) =>
        exportRemoteCatalog({ entry, store, guard, session, mirror: mirrorFor(entry), progress, signal }),
      ),
    ),
  );
  for (const t of report.tables) {
    if (t.status === 'skipped')
      deps.log.warn(`Delta: ${t.schema}.${t.name} not exported: ${t.skipped?.message} ${t.skipped?.hint ?? ''}`);
    else deps.log.info(`Delta: ${t.schema}.${t.name} ${t.status}${t.version !== undefined ? ` v${t.version}` : ''}`);
    // Only with lakehouse.export.iceberg (or the entry's iceberg: true) on.
    if (t.iceberg?.status === 'skipped')
      deps.log.warn(
        `Iceberg: ${t.schema}.${t.name} not written: ${t.iceberg.skipped?.message} ${t.iceberg.skipped?.hint ?? ''}`,
      );
    else if (t.iceberg)
      deps.log.info(
        `Iceberg: ${t.schema}.${t.name} ${t.iceberg.status} v${t.iceberg.version}${t.iceberg.operation ? ` (${t.iceberg.operation})` : ''}`,
      );
  }
  const written = report.tables.filter((t) => t.status === 'created' || t.status === 'updated').length;
  const skipped = report.tables.filter((t) => t.status === 'skipped').length;
  const text = `Delta export of ${entry.name} (snapshot ${report.snapshotId}): ${written} table(s) written, ${report.tables.length - written - skipped} unchanged${skipped ? `, ${skipped} not exportable` : ''}; ${report.requests.total} requests.`;
  deps.log.info(text);
  const pick = await (skipped
    ? vscode.window.showWarningMessage(text, 'Show Log')
    : vscode.window.showInformationMessage(text, 'Show Log'));
  if (pick === 'Show Log') deps.log.show(true);
}
