import * as vscode from 'vscode';
import type { LakehouseEntry } from '../../core/config/lakehouseConfig';
import { CancelledError, LakehouseError } from '../../core/errors';
import type { RunCommand, RunEvent, RunSummary } from '../../core/models';
import { listModelFiles, resolveProjectDir } from '../../core/run/projectFiles';
import { runLocally } from '../../core/run/runLocal';
import { runOnLakehouse, type RunnerKind } from '../../core/run/runOnLakehouse';
import { runOnTeamCatalog } from '../../core/team/teamRun';
import { defaultHolder } from '../../core/identity';
import { conciseError, formatRunSummary, isFailure, tally } from '../../core/run/summary';
import { mirrorFor } from '../lakeCommands';
import type { LakehouseConfigService } from '../lakehouseConfig';
import type { LakehouseService } from '../lakehouseService';
import type { Logger } from '../log';
import type { MirrorBusyStore } from '../mirrorBusy';
import { pickLakehouse } from '../pickLakehouse';
import { entryOf, type TreeNode } from '../tree/treeNodes';
import { withCancellableProgress } from '../withProgress';
import { showRunDiagnostics } from './runDiagnostics';
import type { RunHistory } from './runHistory';

export interface RunCommandDeps {
  log: Logger;
  config: LakehouseConfigService;
  lakehouses: LakehouseService;
  history: RunHistory;
  diagnostics: vscode.DiagnosticCollection;
  refresh: () => void;
  busy: MirrorBusyStore;
  /** Team mode: the PostgreSQL connection of an entry (SecretStorage, then the environment). */
  teamConnection?: (entry: LakehouseEntry) => Promise<string | undefined>;
}

export interface RunRequest {
  command: RunCommand;
  /** dbt selectors; all when omitted. */
  select?: string[];
  /** Ask which models (palette). */
  pick?: boolean;
  node?: unknown;
}

export function projectDirFor(entry: LakehouseEntry): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new LakehouseError('usage', 'Open the folder of your dbt project first.');
  return resolveProjectDir(folder.uri.fsPath, entry.project);
}

/** Run Models / Test Models: pull, run in-process (or with dbt), show per-model progress, diagnostics and a summary. */
export async function runModelsCommand(deps: RunCommandDeps, request: RunRequest): Promise<void> {
  const title = { run: 'Run Models', test: 'Test Models', build: 'Build', seed: 'Seed', snapshot: 'Snapshot' }[
    request.command
  ];
  if (!entryOf(request.node as TreeNode | undefined) && (await deps.config.load()).entries.length === 0)
    return runWithoutLakehouse(deps, request, title);
  const entry = await pickLakehouse(request.node instanceof vscode.Uri ? undefined : request.node, deps.config, title);
  const projectDir = projectDirFor(entry);
  const select = request.pick ? await pickModels(projectDir, title) : request.select;
  const settings = vscode.workspace.getConfiguration('lakehouse');
  const { store, guard } = await deps.lakehouses.open(entry);
  const label = select?.length ? select.join(' ') : 'all models';
  deps.log.info(`${title} on ${entry.name}: ${label} (${projectDir})`);
  deps.diagnostics.clear();
  if (entry.catalogStore?.kind === 'postgres') {
    const connection = await deps.teamConnection?.(entry);
    if (!connection)
      throw new LakehouseError(
        'config',
        `The PostgreSQL catalog of '${entry.name}' has no connection set.`,
        'Run "Lakehouse: Set PostgreSQL Catalog Connection" (kept in SecretStorage), or set the variable lakehouse.yml names before starting VS Code.',
      );
    const auth = await deps.lakehouses.storageAuthFor(entry);
    const team = await withCancellableProgress(`${title} · ${entry.name}`, (progress, signal) =>
      runOnTeamCatalog({
        entry,
        connection,
        store,
        auth,
        duckdb: deps.lakehouses.duckdbOptions(),
        projectDir,
        command: request.command,
        author: settings.get<string>('holder') || defaultHolder(),
        select,
        signal,
        progress,
        onEvent: (event) => logEvent(deps.log, event),
      }),
    );
    if (team.conflicts)
      deps.log.info(`${team.conflicts} commit(s) lost a race with another writer and were run again.`);
    await reportRun(deps, title, entry.name, projectDir, team.run);
    return;
  }

  let result;
  try {
    result = await deps.busy.run(entry.name, request.command, () =>
      withCancellableProgress(`${title} · ${entry.name}`, (progress, signal) =>
        runOnLakehouse({
          entry,
          store,
          guard,
          mirror: mirrorFor(entry),
          ...runnerSettings(deps),
          projectDir,
          command: request.command,
          select,
          signal,
          progress,
          onEvent: (event) => logEvent(deps.log, event),
        }),
      ),
    );
  } catch (error) {
    showRunDiagnostics(
      deps.diagnostics,
      projectDir,
      { command: request.command, runner: 'builtin', results: [], elapsedTime: 0, success: false, invocationId: '' },
      error,
    );
    throw error;
  }
  await reportRun(deps, title, entry.name, projectDir, result.run);
}

/** Zero setup: no lakehouse configured, so the project runs on its own profile target, as `dbt run` would. */
async function runWithoutLakehouse(deps: RunCommandDeps, request: RunRequest, title: string): Promise<void> {
  // Restricted Mode reads no lakehouse.yml, so "none configured" is no licence to run the project's SQL.
  if (!vscode.workspace.isTrusted)
    throw new LakehouseError(
      'usage',
      `${title} does not run in Restricted Mode.`,
      'Trust this workspace (Manage Workspace Trust) to run its models.',
    );
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new LakehouseError('usage', 'Open the folder of your dbt project first.');
  const projectDir = resolveProjectDir(folder.uri.fsPath, undefined);
  const select = request.pick ? await pickModels(projectDir, title) : request.select;
  deps.log.info(
    `${title} (no lakehouse configured: the profile's own target): ${select?.length ? select.join(' ') : 'all models'} (${projectDir})`,
  );
  deps.diagnostics.clear();
  let summary;
  try {
    summary = await withCancellableProgress(`${title} · local`, (progress, signal) =>
      runLocally({
        ...runnerSettings(deps),
        projectDir,
        command: request.command,
        select,
        signal,
        onEvent: (event) => {
          if (event.kind === 'started')
            progress.report({ message: `${event.node.name} (${event.index + 1}/${event.total})` });
          logEvent(deps.log, event);
        },
      }),
    );
  } catch (error) {
    showRunDiagnostics(
      deps.diagnostics,
      projectDir,
      { command: request.command, runner: 'builtin', results: [], elapsedTime: 0, success: false, invocationId: '' },
      error,
    );
    throw error;
  }
  await reportRun(deps, title, 'local', projectDir, summary);
}

async function reportRun(
  deps: RunCommandDeps,
  title: string,
  lakehouse: string,
  projectDir: string,
  summary: RunSummary,
): Promise<void> {
  deps.history.record({ lakehouse, projectDir, summary, finishedAt: new Date() });
  showRunDiagnostics(deps.diagnostics, projectDir, summary);
  deps.log.info(`\n${formatRunSummary(summary)}`);
  deps.refresh();

  const failed = summary.results.filter(isFailure);
  if (failed.length === 0) {
    const pick = await vscode.window.showInformationMessage(
      `${title}: ${tally(summary)} in ${summary.elapsedTime.toFixed(1)} s.`,
      'Show Log',
    );
    if (pick === 'Show Log') deps.log.show(true);
    return;
  }
  const first = failed[0]!;
  const pick = await vscode.window.showErrorMessage(
    `${title}: ${tally(summary)}. ${first.name}: ${conciseError(first.error?.message ?? first.message)}`,
    'Show Problems',
    'Show Log',
  );
  if (pick === 'Show Problems') await vscode.commands.executeCommand('workbench.actions.view.problems');
  if (pick === 'Show Log') deps.log.show(true);
}

/** Model name of the file a command was run on (editor title, CodeLens, explorer). */
export function modelNameOf(arg: unknown): string {
  const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
  if (!uri || !uri.fsPath.endsWith('.sql')) throw new LakehouseError('usage', 'Open a model (.sql) file first.');
  return uri.path
    .split('/')
    .pop()!
    .replace(/\.sql$/, '');
}

async function pickModels(projectDir: string, title: string): Promise<string[] | undefined> {
  const models = listModelFiles(projectDir);
  const all = { label: '$(run-all) All models', description: `${models.length} models`, all: true as const };
  const items = models.map((m) => ({
    label: m.name,
    description: vscode.workspace.asRelativePath(m.path),
    all: false as const,
  }));
  const picked = await vscode.window.showQuickPick([all, ...items], {
    title,
    placeHolder: 'Run all models, or pick some',
    canPickMany: false,
    matchOnDescription: true,
  });
  if (!picked) throw new CancelledError(title);
  return picked.all ? undefined : [picked.label];
}

function logEvent(log: Logger, event: RunEvent): void {
  const at = (e: { index: number; total: number }) => `${e.index + 1}/${e.total}`;
  switch (event.kind) {
    case 'succeeded':
      log.info(
        `${at(event)} ${event.status.toUpperCase()} ${event.node.name}: ${event.message} (${event.seconds.toFixed(2)} s)`,
      );
      break;
    case 'failed':
      log.error(`${at(event)} ${event.status.toUpperCase()} ${event.node.name}: ${event.error.message}`);
      break;
    case 'skipped':
      if (event.unchanged) log.info(`${at(event)} UNCHANGED ${event.node.name}: ${event.reason}`);
      else log.warn(`${at(event)} SKIP ${event.node.name}: ${event.reason}`);
      break;
    case 'log':
      log.info(event.message);
      break;
    default:
      break;
  }
}

/** What the settings say about how models run; one reading for a lakehouse run and a local one. */
function runnerSettings(deps: RunCommandDeps) {
  const settings = vscode.workspace.getConfiguration('lakehouse');
  return {
    duckdb: deps.lakehouses.duckdbOptions(),
    runner: settings.get<RunnerKind>('runner', 'builtin'),
    dbtExecutable: settings.get<string>('dbt.path') || undefined,
    skipUnchanged: settings.get<boolean>('run.skipUnchanged', true),
  };
}
