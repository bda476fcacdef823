import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { LakehouseError } from '../core/errors';
import { defaultHolder } from '../core/identity';
import { createQueryEngine } from '../core/engine/client';
import { resolveExtensionDirectory } from '../core/lake/duckdb';
import { QueryHistoryStore, queryHistoryFile } from '../core/query/history';
import { lakehouseTargetResolver } from '../core/query/targets';
import { parseSnapshot } from '../core/query/webviewProtocol';
import { vscodeSessionSource } from './auth';
import { fabricApiUrlFromEnv, testSessionSource } from './authTestAid';
import { FabricSignIn } from './fabricSignIn';
import { FabricStore } from './fabric/fabricStore';
import { FabricTreeModel } from './fabric/fabricTreeModel';
import { FabricTreeProvider } from './fabric/fabricTreeProvider';
import { fabricPolling } from './fabric/fabricPolling';
import { WorkspacePreferences } from './fabric/workspacePreferences';
import { StorageSecrets } from './storageSecrets';
import { readLatestTeamSnapshot } from '../core/team/teamSnapshot';
import { TeamCatalogStore } from './team/teamCatalogStore';
import { setPostgresConnectionCommand, TeamConnections } from './team/teamConnections';
import { parseDuration } from '../core/util/duration';
import { autoRefresh } from './autoRefresh';
import { wrapCommand } from './commandRunner';
import { createCommands } from './commands';
import { LakehouseConfigService } from './lakehouseConfig';
import { HeldLeaseStore } from './heldLeaseStore';
import { LakehouseService } from './lakehouseService';
import { createLogger } from './log';
import { createLeaseStatusBar } from './statusBar';
import { LakehouseTreeModel } from './tree/lakehouseTreeModel';
import { BUSY_MIRRORS_KEY, MIRROR_BUSY_KEY, MirrorBusyStore } from './mirrorBusy';
import { ReadinessStore } from './readinessStore';
import { LakehouseTreeProvider } from './tree/lakehouseTreeProvider';
import { ModelCodeLensProvider } from './run/modelCodeLens';
import { RunHistory } from './run/runHistory';
import { LazyQueryEngine } from './query/queryEngineHost';
import { QueryHistoryProvider, WorkspaceQueryHistory } from './query/queryHistoryView';
import { reopenQuery } from './query/queryCommands';
import { QUERY_VIEW_TYPE, QueryPanel, type QueryPanelDeps } from './query/queryPanel';

/** Composition root: logger first, every dependency passed in, everything disposed with the extension. */
export function activate(context: vscode.ExtensionContext) {
  const log = createLogger();
  context.subscriptions.push(log);
  log.info(`Lakehouse Dev ${context.extension.packageJSON.version} activating`);

  const settings = () => vscode.workspace.getConfiguration('lakehouse');
  const config = new LakehouseConfigService(log);
  // Sign-in: VS Code's Microsoft provider, or (tests only) the environment's token. Background work asks silently.
  const sessions = vscodeSessionSource();
  const signIn = new FabricSignIn(testSessionSource(process.env) ?? sessions, context.globalState, log);
  const storageSecrets = new StorageSecrets(context.secrets);
  const lakehouses = new LakehouseService({
    log,
    holder: () => settings().get<string>('holder') || defaultHolder(),
    credential: () => signIn.storageCredential(),
    storageAuth: (entry) => storageSecrets.authFor(entry),
    store: new HeldLeaseStore(context.workspaceState),
    stallTimeoutMs: () => Math.max(1, settings().get<number>('storage.stallTimeoutSeconds') ?? 120) * 1000,
    duckdb: () => ({
      extensionDirectory: resolveExtensionDirectory(
        settings().get<string>('duckdb.extensionDirectory') || undefined,
        process.env,
        join(context.extensionPath, '.duckdb-extensions'),
        existsSync,
      ),
      memoryLimit: settings().get<string>('duckdb.memoryLimit'),
      threads: settings().get<number>('duckdb.threads'),
    }),
  });
  const history = new RunHistory();
  const diagnostics = vscode.languages.createDiagnosticCollection('lakehouse');
  // Team mode: PostgreSQL catalogs show their latest commit (cached, read in the background) instead of a lease.
  const teamConnections = new TeamConnections(context.secrets);
  const teamCatalogs = new TeamCatalogStore({
    connection: (entry) => teamConnections.connectionFor(entry),
    read: (connection) => readLatestTeamSnapshot(lakehouses.duckdbOptions(), connection),
    maxAgeMs: 30_000,
  });
  const model = new LakehouseTreeModel(config, lakehouses, history, teamCatalogs);
  const readiness = new ReadinessStore();
  const busy = new MirrorBusyStore();
  const provider = new LakehouseTreeProvider(model, readiness, busy);
  const view = vscode.window.createTreeView('lakehouse.lakehouses', {
    treeDataProvider: provider,
    showCollapseAll: true,
  });

  const cacheSeconds = () => settings().get<number>('fabric.cacheSeconds', 60);
  const fabricStore = new FabricStore({
    signIn,
    lakehouses,
    log,
    apiUrl: fabricApiUrlFromEnv(process.env),
    budgetMs: () => cacheSeconds() * 1000,
    staleAfterMs: () => parseDuration(settings().get<string>('lease.staleAfter', '12h'), 'lakehouse.lease.staleAfter'),
  });
  const prefs = new WorkspacePreferences(context.globalState);
  const fabricProvider = new FabricTreeProvider(
    new FabricTreeModel(fabricStore, prefs, lakehouses, async () => (await config.load()).entries),
    fabricStore,
  );
  const fabricView = vscode.window.createTreeView('lakehouse.fabric', {
    treeDataProvider: fabricProvider,
    showCollapseAll: true,
  });

  // Queries run in the engine's own process, started on the first query.
  const stalenessMs = () => Math.max(0, settings().get<number>('query.stalenessBudget', 60)) * 1000;
  const engine = new LazyQueryEngine(() =>
    createQueryEngine({
      enginePath: join(context.extensionPath, 'dist', 'queryEngine.js'),
      duckdb: lakehouses.duckdbOptions(),
      resolveTarget: async (target) => {
        const folder = vscode.workspace.workspaceFolders?.[0];
        if (!folder) throw new LakehouseError('usage', 'Open a folder first: queries run on its lakehouses.');
        const { entries } = await config.load();
        return lakehouseTargetResolver({
          entries,
          workspaceDir: folder.uri.fsPath,
          credential: signIn.storageCredential(),
          // A PostgreSQL catalog's local target: SecretStorage, then the environment.
          teamConnection: (entry) => teamConnections.connectionFor(entry),
        })(target);
      },
      log: (level, message) => log[level](message),
      stalenessMs: stalenessMs(),
    }),
  );
  const query: QueryPanelDeps = {
    log,
    extensionUri: context.extensionUri,
    engine: () => engine.get(),
    lakehouses: async () => (await config.load()).entries.map((e) => e.name),
    pageSize: () => settings().get<number>('query.pageSize', 200),
    recordHistory: (entry) => queryHistory.add(entry),
  };
  const workspaceDir = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const queryHistory = new WorkspaceQueryHistory(
    workspaceDir ? new QueryHistoryStore(queryHistoryFile(workspaceDir)) : undefined,
  );
  const queryHistoryProvider = new QueryHistoryProvider(queryHistory);
  context.subscriptions.push(
    engine,
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('lakehouse.query.stalenessBudget')) engine.configure({ stalenessMs: stalenessMs() });
    }),
    queryHistory,
    queryHistoryProvider,
    vscode.window.createTreeView('lakehouse.queryHistory', { treeDataProvider: queryHistoryProvider }),
    vscode.window.registerWebviewPanelSerializer(QUERY_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => {
        const snapshot = parseSnapshot(state);
        if (snapshot) QueryPanel.restore(panel, query, snapshot);
        else panel.dispose();
      },
    }),
  );

  const codeLenses = new ModelCodeLensProvider(busy);
  const updateContext = async () => {
    const { entries, problems } = await config.load();
    await vscode.commands.executeCommand(
      'setContext',
      'lakehouse.hasLocations',
      entries.length > 0 || problems.length > 0,
    );
  };
  const refresh = () => {
    provider.refresh();
    fabricStore.refreshLeases();
    void updateContext();
  };

  context.subscriptions.push(
    config,
    lakehouses,
    provider,
    view,
    autoRefresh(view, () => provider.refresh()),
    sessions,
    signIn,
    fabricStore,
    fabricProvider,
    fabricView,
    fabricPolling(fabricView, fabricStore, cacheSeconds, () => fabricProvider.rerender()),
    signIn.onDidChange(() => provider.refresh()),
    storageSecrets.onDidChange(() => {
      lakehouses.reset();
      provider.refresh();
    }),
    createLeaseStatusBar(lakehouses),
    config.onDidChange(() => {
      lakehouses.reset();
      refresh();
      fabricProvider.rerender();
    }),
    lakehouses.onDidChangeHeld(() => provider.refresh()),
    history,
    diagnostics,
    history.onDidChange(() => provider.refresh()),
    readiness,
    readiness.onDidChange(() => provider.refresh()),
    vscode.languages.registerCodeLensProvider({ scheme: 'file', pattern: '**/models/**/*.sql' }, codeLenses),
    codeLenses,
    // While an operation uses a mirror, the commands that would take the same lock are not offered.
    busy.onDidChange(() => {
      void vscode.commands.executeCommand('setContext', MIRROR_BUSY_KEY, busy.busy().length > 0);
      void vscode.commands.executeCommand('setContext', BUSY_MIRRORS_KEY, busy.busy());
      provider.refresh();
    }),
    teamCatalogs,
    teamCatalogs.onDidChange(() => provider.refresh()),
    teamConnections.onDidChange(() => provider.refresh()),
  );
  // Leases this workspace held before a window reload: back in the status bar, reachable by Release and Publish.
  void config
    .load()
    .then(({ entries }) => lakehouses.restore(entries))
    .catch((error: unknown) => log.warn(`Could not restore held leases: ${(error as Error).message}`));

  for (const [id, handler] of Object.entries(
    createCommands({
      log,
      config,
      lakehouses,
      history,
      diagnostics,
      refresh,
      storageSecrets,
      query,
      readiness,
      busy,
      teamConnection: (entry) => teamConnections.connectionFor(entry),
      extra: {
        'lakehouse.setPostgresConnection': (node) =>
          setPostgresConnectionCommand({ config, connections: teamConnections, log }, node),
        'lakehouse.reopenQuery': (entry) => reopenQuery(query, entry),
        'lakehouse.clearQueryHistory': () => queryHistory.clear(),
        // For tests and support: the engine process id, or undefined when none runs.
        'lakehouse.debug.enginePid': () => engine.peek()?.pid,
      },
      fabric: {
        log,
        signIn,
        store: fabricStore,
        prefs,
        config,
        lakehouses,
        refresh,
        rerender: () => fabricProvider.rerender(),
      },
    }),
  )) {
    context.subscriptions.push(vscode.commands.registerCommand(id, wrapCommand(id, handler, log)));
  }
  void updateContext();
}

export function deactivate(): void {
  // Disposables registered on the context clean up; leases held by this window stay
  // (a window closing mid-publish must not release a lease over a half-done job).
}
