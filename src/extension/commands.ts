import type { LakehouseEntry } from '../core/config/lakehouseConfig';
import * as vscode from 'vscode';
import { CONFIG_FILE } from '../core/config/lakehouseConfig';
import { LakehouseError } from '../core/errors';
import type { LakehouseConfigService } from './lakehouseConfig';
import type { LakehouseService } from './lakehouseService';
import { exportDeltaCommand, publishCommand, pullCommand, resetLocalCommand } from './lakeCommands';
import { acquireLease, breakStaleLease, forceBreakLease, releaseLease } from './leaseCommands';
import type { Logger } from './log';
import type { MirrorBusyStore } from './mirrorBusy';
import type { CommandHandler } from './commandRunner';
import { fabricCommands } from './fabric/fabricCommandTable';
import type { FabricCommandDeps } from './fabric/fabricCommands';
import { clearStorageSecretCommand, setStorageSecretCommand, type StorageSecrets } from './storageSecrets';
import { previewModelCommand, previewTableCommand, runQueryCommand, showSchemaCommand } from './query/queryCommands';
import type { QueryPanelDeps } from './query/queryPanel';
import { checkReadinessCommand } from './readinessCommands';
import type { ReadinessStore } from './readinessStore';
import { modelNameOf, runModelsCommand } from './run/runCommands';
import type { RunHistory } from './run/runHistory';

export interface CommandDeps {
  log: Logger;
  config: LakehouseConfigService;
  lakehouses: LakehouseService;
  history: RunHistory;
  diagnostics: vscode.DiagnosticCollection;
  refresh: () => void;
  fabric: FabricCommandDeps;
  storageSecrets: StorageSecrets;
  query: QueryPanelDeps;
  readiness: ReadinessStore;
  /** The mirrors an operation of this window is working on (Run, Pull, Reset, Publish, Export Delta). */
  busy: MirrorBusyStore;
  /** Team mode: the PostgreSQL connection of an entry (SecretStorage, then the environment). */
  teamConnection?: (entry: LakehouseEntry) => Promise<string | undefined>;
  /** Extra commands owned elsewhere (the query history view). */
  extra?: Record<string, CommandHandler>;
}

/** The one command table: every contributed command id and its handler. */
export function createCommands(deps: CommandDeps): Record<string, CommandHandler> {
  return {
    'lakehouse.refresh': () => deps.refresh(),
    'lakehouse.showLog': () => deps.log.show(true),
    'lakehouse.createConfig': () => createConfig(),
    'lakehouse.breakStaleLease': (node) => breakStaleLease(deps, node),
    'lakehouse.forceBreakLease': (node) => forceBreakLease(deps, node),
    'lakehouse.acquireLease': (node) => acquireLease(deps, node),
    'lakehouse.releaseLease': (node) => releaseLease(deps, node),
    'lakehouse.runModels': (node) => runModelsCommand(deps, { command: 'run', pick: true, node }),
    'lakehouse.runAllModels': (node) => runModelsCommand(deps, { command: 'run', node }),
    'lakehouse.runModel': (uri) => runModelsCommand(deps, { command: 'run', select: [modelNameOf(uri)] }),
    'lakehouse.runModelUpstream': (uri) => runModelsCommand(deps, { command: 'run', select: [`+${modelNameOf(uri)}`] }),
    'lakehouse.runModelDownstream': (uri) =>
      runModelsCommand(deps, { command: 'run', select: [`${modelNameOf(uri)}+`] }),
    'lakehouse.testModels': (node) => runModelsCommand(deps, { command: 'test', node }),
    'lakehouse.build': (node) => runModelsCommand(deps, { command: 'build', node }),
    'lakehouse.previewModel': (node) => previewModelCommand(queryDeps(deps), node),
    'lakehouse.publish': (node) => publishCommand(deps, node),
    'lakehouse.pull': (node) => pullCommand(deps, node),
    'lakehouse.exportDelta': (node) => exportDeltaCommand(deps, node),
    'lakehouse.checkReadiness': (node) => checkReadinessCommand(deps, node),
    'lakehouse.resetLocal': (node) => resetLocalCommand(deps, node),
    'lakehouse.query': (uri) => runQueryCommand(queryDeps(deps), uri),
    'lakehouse.previewTable': (node) => previewTableCommand(queryDeps(deps), node),
    'lakehouse.showSchema': (node) => showSchemaCommand(queryDeps(deps), node),
    ...deps.extra,
    ...fabricCommands(deps.fabric),
    'lakehouse.setStorageSecret': (node) =>
      setStorageSecretCommand({ config: deps.config, secrets: deps.storageSecrets, log: deps.log }, node),
    'lakehouse.clearStorageSecret': (node) =>
      clearStorageSecretCommand({ config: deps.config, secrets: deps.storageSecrets, log: deps.log }, node),
  };
}

const queryDeps = (deps: CommandDeps) => ({ config: deps.config, history: deps.history, panel: deps.query });

async function createConfig(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder)
    throw new LakehouseError('usage', 'Open a folder first: lakehouse.yml lives at the root of a workspace folder.');
  const uri = vscode.Uri.joinPath(folder.uri, CONFIG_FILE);
  try {
    await vscode.workspace.fs.stat(uri);
  } catch {
    const template = [
      '# Lakehouses this project works with. See the Lakehouse Dev README.',
      'lakehouses:',
      '  - name: dev',
      '    # onelake://<workspace>/<lakehouse>.Lakehouse, or azurite://127.0.0.1:10000/<container>/<lakehouse>.Lakehouse',
      '    location: onelake://MyWorkspace/MyLakehouse.Lakehouse',
      '    catalog: Files/metadata.db',
      '    staleAfter: 12h',
      '',
    ].join('\n');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(template));
  }
  await vscode.window.showTextDocument(uri);
}
