import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { applyLayoutOptions } from '../lake/layout';
import { CancelledError, LakehouseError, isCancelled } from '../errors';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sessionOf, type DuckDBSource } from '../lake/lazySession';
import { writeRunResults, type ArtifactPaths } from './artifacts';
import { NodeCompiler } from './compile';
import { ModelRuntimeError } from './errors';
import { failedAncestor } from './graph';
import { makeServices, type Manifest } from './manifest';
import {
  executeModel,
  executeSnapshot,
  executeSeed,
  executeTest,
  relationNameOf,
  type CompiledTracker,
  type ExecutionContext,
  type NodeOutcome,
} from './node-execution';
import { parseCachePath } from './parse-cache';
import { undeclaredOrderNotes } from './undeclared-order';
import { parseRun, type ParsedRun } from './parse-run';
import { selectNodes, type SelectableNode } from './selection';
import { prepareSession, settingStatements } from './session-setup';
import { ComputePool } from './parallel/compute-pool';
import { runNodesParallel } from './parallel/scheduler';
import { isDuckLakeAttach, type DuckDBProfile } from './profile';
import { RelationCache } from './relation-cache';
import { CatalogFileStates, lakeFilesOf } from './skip-unchanged/catalog-files';
import { hashOf, loadMemo, memoPath, saveMemo } from './skip-unchanged/memo';
import { UnchangedNodes, runsWhateverTheCatalog } from './skip-unchanged/skip-unchanged';
import { RunConnection } from './run-connection';
import type { ProjectHead } from './project';
import type { NodeSteps } from './node-steps';
import { SqlExecutor, type StatementListener } from './sql-executor';
import { executeUnitTest } from './unit-tests/execute';
import { toRuntimeError } from './sql-errors';
import type {
  CommitPolicy,
  ProjectRunOptions,
  ManifestNode,
  NodeRef,
  NodeResult,
  RunCommand,
  RunEvent,
  RunSummary,
} from './types';
import { quoteName } from './relation';

export interface RunOptions extends ProjectRunOptions {
  /**
   * Opened and set up on the first statement when lazy: a run whose every node is skipped as unchanged
   * (checked from a local SQLite catalog) never opens DuckDB.
   */
  session: DuckDBSource;
  /** Write target/compiled and target/run_results.json (default true). */
  writeArtifacts?: boolean;
  /** Sees every statement of the project's SQL (not the runner's introspection), e.g. the bench's floor. */
  onStatement?: StatementListener;
  /** The project as parsed already with these same options (a lakehouse run parses before its pull). */
  parsed?: ParsedRun;
  /** Sees each model computed on a worker connection of a `threads` > 1 run (tests count how many ran at once). */
  onCompute?: (event: 'start' | 'end', node: string) => void | Promise<void>;
}

/** `dbt run`: models in dependency order. */
export function runModels(options: RunOptions): Promise<RunSummary> {
  return executeProject('run', options);
}

/** `dbt test`: generic and singular tests of the selected models. */
export function testModels(options: RunOptions): Promise<RunSummary> {
  return executeProject('test', options);
}

/** `dbt seed`: CSV files into tables. */
export function seedProject(options: RunOptions): Promise<RunSummary> {
  return executeProject('seed', options);
}

/** `dbt snapshot`: the project's snapshots (timestamp and check strategies). */
export function snapshotProject(options: RunOptions): Promise<RunSummary> {
  return executeProject('snapshot', options);
}

/** `dbt build`: seeds, models and tests in one DAG; a failing test skips what depends on its model. */
export function buildProject(options: RunOptions): Promise<RunSummary> {
  return executeProject('build', options);
}

const TYPES_BY_COMMAND: Record<RunCommand, ReadonlySet<string>> = {
  run: new Set(['model']),
  seed: new Set(['seed']),
  snapshot: new Set(['snapshot']),
  test: new Set(['test', 'unit_test']),
  build: new Set(['model', 'seed', 'snapshot', 'test', 'unit_test']),
};

export async function executeProject(command: RunCommand, options: RunOptions): Promise<RunSummary> {
  const started = Date.now();
  let profile: DuckDBProfile | undefined;
  const connection = new RunConnection(() => setUpConnection(options, profile!));
  // DuckDB starts while the project is read and parsed when the run will surely send SQL (run-connection.ts).
  const loaded = (p: DuckDBProfile, head: ProjectHead) => {
    profile = p;
    if (sendsSqlWhateverTheMemo(options, p, head)) connection.start();
  };
  try {
    const parsed = options.parsed ?? (await parseRun(options, randomUUID(), started, loaded));
    // Parsed before this run (a lakehouse run parses before its pull), or not seen early: decided now.
    if (!connection.started) loaded(parsed.profile, parsed.project);
    return await executeParsed(command, options, parsed, connection, started);
  } finally {
    // A parse error or a failed run may come while DuckDB is still being set up: never closed under it.
    await connection.settled();
  }
}

/** The run's session, set up as the profile says (and the lakehouse's layout, which lives in its catalog). */
async function setUpConnection(options: RunOptions, profile: DuckDBProfile): Promise<DuckDBConnection> {
  const session = await sessionOf(options.session);
  await prepareSession(session, { profile, projectDir: options.projectDir });
  const layout = options.catalogOverride?.layout;
  if (layout)
    await applyLayoutOptions(
      { run: (sql) => session.run(sql), rows: (sql) => session.all(sql) },
      profile.database,
      layout,
    );
  return session.connection;
}

/**
 * Known from the profile and dbt_project.yml alone: the run sends SQL whatever the skip memo says.
 * Project hooks run around it, or no node can be skipped before DuckDB is open — the complement of
 * `canCheckWithoutDuckDB`: a full refresh, no skipping, team mode or no artifacts (no skip check),
 * a session holding more than DuckLake catalogs in local SQLite files, or no memo yet.
 */
function sendsSqlWhateverTheMemo(options: RunOptions, profile: DuckDBProfile, project: ProjectHead): boolean {
  if (project.onRunStart.length > 0 || project.onRunEnd.length > 0) return true;
  if (options.fullRefresh || options.skipUnchanged === false || options.commitPolicy) return true;
  if (options.writeArtifacts === false || !lakeFilesOf(profile, options.projectDir)) return true;
  return !existsSync(
    memoPath({ projectRoot: project.root, targetPath: project.targetPath, projectName: project.name }),
  );
}

async function executeParsed(
  command: RunCommand,
  options: RunOptions,
  parsed: ParsedRun,
  connection: RunConnection,
  started: number,
): Promise<RunSummary> {
  const emit = (event: RunEvent) => options.onEvent?.(event);
  const { profile, project, manifestInputs, manifest, bindingNote, parseCache } = parsed;
  const invocationId = manifestInputs.invocationId;
  const order = executionOrder(manifest, command, options);

  if (bindingNote) emit({ kind: 'log', message: bindingNote });
  for (const message of undeclaredOrderNotes(manifest, order)) emit({ kind: 'log', message });
  const executor = new SqlExecutor(() => connection.get(), options.signal, options.onStatement);
  const policy = options.commitPolicy;
  const commits = policy ? { policy, node: '' } : undefined;
  if (policy) {
    const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
    executor.transactionHooks = {
      afterBegin: `CALL ${quoteName(profile.database)}.set_commit_message(${literal(policy.author)}, ${literal(policy.message)})`,
      beforeCommit: policy.beforeCommit ? () => policy.beforeCommit!(commits!.node) : undefined,
    };
  }
  const services = makeServices(
    manifestInputs,
    manifest.macros,
    manifest.nodes,
    manifest.sources,
    new Map(
      [...manifest.nodes.values()]
        .filter((n) => n.resourceType !== 'test' && n.resourceType !== 'unit_test')
        .map((n) => [n.name, n.uniqueId]),
    ),
  );
  const compiler = new NodeCompiler(manifest, services, executor, (message, node) =>
    emit(node ? { kind: 'log', message, node: nodeRef(node) } : { kind: 'log', message }),
  );
  const artifacts: ArtifactPaths | undefined =
    options.writeArtifacts === false
      ? undefined
      : { projectRoot: project.root, targetPath: project.targetPath, projectName: project.name };
  const ctx: ExecutionContext = {
    manifest,
    compiler,
    executor,
    artifacts,
    fullRefresh: options.fullRefresh ?? false,
    command,
    commits,
    relations: new RelationCache(executor),
  };
  // Team mode's other writers and artifact-less runs (no memo file) run everything.
  if (artifacts && !policy) {
    const catalogFiles = lakeFilesOf(profile, options.projectDir);
    const memos = loadMemo(artifacts);
    // A node that runs whatever the catalog holds needs DuckDB: started now, it opens while the rest is checked.
    if (!connection.started && order.some((node) => runsWhateverTheCatalog(node, memos))) connection.start();
    ctx.unchanged = new UnchangedNodes(executor, manifest, memos, invocationId, options.skipUnchanged !== false, {
      key: hashOf([profile, options.catalogOverride ?? null]),
      ...(catalogFiles ? { catalogFiles: new CatalogFileStates(catalogFiles) } : {}),
      // An extension of the profile's might add functions of its own: the full listing then.
      ...(catalogFiles && profile.extensions.length === 0 ? { macroCatalogs: [...catalogFiles.keys()] } : {}),
      // Read-only test queries leave the file's states valid; any other statement may have written.
      written: () => executor.statementsSent > 0,
    });
  }
  // Without a catalog the skip check can read by itself, DuckDB is set up before the first node, as always.
  if (ctx.fullRefresh || !ctx.unchanged?.canCheckWithoutDuckDB) await executor.rows('SELECT 1');
  // adapter.get_relation answers from the same cache once a schema is listed, as dbt's does.
  services.knownRelation = (database, schema, identifier) => ctx.relations.peek(database, schema, identifier);
  services.droppedRelation = (database, schema, identifier) =>
    ctx.relations.forgetRelation(database, schema, identifier);

  const results: NodeResult[] = [];
  let cancelled: unknown;
  try {
    // dbt runs the project hooks around run, seed, test and build alike.
    await runProjectHooks(ctx, project.onRunStart, 'on-run-start');
    // Setting up the session is not one node's failure: the run stops, as when it was set up before the first node.
    const fatal = (error: unknown) => error === connection.failure;
    // Team mode retries a node's commit against other writers: one node at a time there.
    if (profile.threads > 1 && !ctx.commits) {
      const pool = new ComputePool({
        executor,
        session: () => sessionOf(options.session),
        settings: (session) =>
          settingStatements({ profile, projectDir: options.projectDir }, Boolean(session.options.extensionDirectory)),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onCompute ? { onCompute: options.onCompute } : {}),
      });
      try {
        await runNodesParallel(
          ctx,
          order,
          { ...nodeSteps(ctx, results, emit, fatal), execute: (node, tracker) => executeNode(ctx, node, tracker) },
          {
            threads: profile.threads,
            pool,
            readsBlockCommits: readsBlockCommits(profile),
            emit,
            log: (message) => emit({ kind: 'log', message }),
          },
        );
      } finally {
        await pool.close();
      }
    } else await runNodes(ctx, order, results, emit, fatal);
    await runProjectHooks(ctx, project.onRunEnd, 'on-run-end');
  } catch (error) {
    if (!isCancelled(error)) throw error;
    cancelled = error;
  } finally {
    // What ran is remembered even when the run stopped part-way (a node's entry is gone once it started).
    if (artifacts && ctx.unchanged) {
      await ctx.unchanged.settle();
      saveMemo(artifacts, ctx.unchanged.memos);
    }
    // Read from target/ before dbt_project.yml says where target is: kept only where it will be found.
    if (artifacts && project.targetPath === 'target') parseCache.save(parseCachePath(options.projectDir));
  }

  const elapsedTime = (Date.now() - started) / 1000;
  const summary: RunSummary = {
    command,
    runner: 'builtin',
    results,
    elapsedTime,
    success: !cancelled && results.every((r) => r.status !== 'error' && r.status !== 'fail'),
    invocationId,
  };
  if (artifacts) {
    summary.runResultsPath = writeRunResults(
      artifacts,
      summary,
      {
        select: options.select ?? [],
        exclude: options.exclude ?? [],
        full_refresh: options.fullRefresh ?? false,
        target: profile.targetName,
      },
      new Date(),
    );
  }
  if (cancelled) throw cancelled;
  return summary;
}

/** The nodes to run, in dependency order (for build: a model's tests before its children). */
export function executionOrder(
  manifest: Manifest,
  command: RunCommand,
  options: Pick<ProjectRunOptions, 'select' | 'exclude'>,
): ManifestNode[] {
  const types = TYPES_BY_COMMAND[command];
  const selectable: SelectableNode[] = [...manifest.nodes.values()].map((n) => {
    const node: SelectableNode = {
      uniqueId: n.uniqueId,
      name: n.name,
      resourceType: n.resourceType,
      tags: n.config.tags,
      fqn: n.fqn,
    };
    if (n.file) node.path = n.file.relativePath;
    return node;
  });
  const selected = selectNodes(selectable, manifest.graph, options.select, options.exclude);
  const asked = (options.select ?? []).map((a) => a.trim()).filter(Boolean);
  if (asked.length > 0 && selected.size === 0) {
    // A misspelt selector must not look like a successful run (or a `run --publish` that published nothing).
    throw new LakehouseError(
      'usage',
      `--select ${asked.join(' ')} matches no model, seed or snapshot in this project${options.exclude?.length ? ' (after --exclude)' : ''}; nothing was run.`,
      'Check the name (selectors are model names, +name, name+, tag:x or path:models/x).',
    );
  }
  if (types.has('test')) {
    // Indirect selection: a test runs when any node it tests is selected, unless excluded.
    const excluded = options.exclude?.length
      ? selectNodes(selectable, manifest.graph, options.exclude, undefined)
      : new Set<string>();
    for (const node of manifest.nodes.values()) {
      if (isTestNode(node) && !excluded.has(node.uniqueId) && node.dependsOn.some((p) => selected.has(p))) {
        selected.add(node.uniqueId);
      }
    }
  }
  const sorted = manifest.graph.topologicalOrder();
  const chosen = sorted
    .map((id) => manifest.nodes.get(id))
    .filter((n): n is ManifestNode => n !== undefined && types.has(n.resourceType) && selected.has(n.uniqueId))
    .filter((n) => n.config.materialized !== 'ephemeral');
  if (command !== 'build') return chosen;
  // Tests of a node go right after it, so a failing test can skip the node's children;
  // unit tests right before their model, so a failing one skips the model (as dbt build).
  const tests = new Map<string, ManifestNode[]>();
  const unitTests = new Map<string, ManifestNode[]>();
  const rest = chosen.filter((n) => !n.unitTest && n.resourceType !== 'test');
  const placed = new Set(rest.map((n) => n.uniqueId));
  // A test that reads no node of this build (a singular test over literals or sources only) runs first;
  // it has nothing to wait for. Without this it had no node to follow and was silently left out.
  const unattached: ManifestNode[] = [];
  for (const node of chosen) {
    if (node.unitTest) {
      unitTests.set(node.unitTest.modelId, [...(unitTests.get(node.unitTest.modelId) ?? []), node]);
    } else if (node.resourceType === 'test') {
      const last = node.dependsOn
        .filter((id) => placed.has(id))
        .sort((a, b) => sorted.indexOf(b) - sorted.indexOf(a))[0];
      if (last === undefined) unattached.push(node);
      else tests.set(last, [...(tests.get(last) ?? []), node]);
    }
  }
  return [
    ...unattached,
    ...rest.flatMap((node) => [...(unitTests.get(node.uniqueId) ?? []), node, ...(tests.get(node.uniqueId) ?? [])]),
  ];
}

/**
 * DuckLake on SQLite cannot commit while another connection reads the catalog (`database is locked`);
 * on a DuckDB-file catalog, reads overlapping commits crashed the process (SIGSEGV in 2 of 7 TPC-DS
 * builds, none with the lock): measured, docs/RUNNER.md. So on any DuckLake the lake's writes exclude
 * the computes. Plain DuckDB commits alongside readers (its own MVCC).
 */
function readsBlockCommits(profile: DuckDBProfile): boolean {
  return profile.attach.some(isDuckLakeAttach);
}

function isTestNode(node: ManifestNode): boolean {
  return node.resourceType === 'test' || node.resourceType === 'unit_test';
}

async function runNodes(
  ctx: ExecutionContext,
  order: ManifestNode[],
  results: NodeResult[],
  emit: (e: RunEvent) => void,
  /** A session that could not be set up stops the run rather than failing one node after another. */
  fatal: (error: unknown) => boolean,
) {
  const steps = nodeSteps(ctx, results, emit, fatal);
  const total = order.length;
  for (const [index, node] of order.entries()) {
    const blocker = steps.blocker(node);
    if (blocker) {
      steps.skipBlocked(node, blocker, index, total);
      continue;
    }
    ctx.executor.throwIfCancelled();
    emit({ kind: 'started', node: nodeRef(node), index, total });
    const startedAt = new Date();
    const tracker: CompiledTracker = {};
    steps.begin(node);
    let outcome: NodeOutcome;
    try {
      outcome = await executeWithConflictRetry(
        ctx.commits?.policy,
        node.name,
        () => executeNode(ctx, node, tracker),
        () =>
          // The winner may have created what this run's listing says is absent: list again.
          ctx.relations.forget(),
      );
    } catch (error) {
      steps.fail(node, error, tracker, startedAt, index, total);
      continue;
    }
    steps.finish(node, outcome, startedAt, index, total);
  }
}

function nodeSteps(
  ctx: ExecutionContext,
  results: NodeResult[],
  emit: (e: RunEvent) => void,
  fatal: (error: unknown) => boolean,
): NodeSteps {
  const failed = new Set<string>();
  // dbt build: a model whose unit test failed is skipped, and so are its remaining unit tests.
  const failedUnitTest = new Map<string, string>();
  return {
    blocker(node) {
      const gate = node.unitTest?.modelId ?? node.uniqueId;
      return (
        (ctx.command === 'build' ? failedUnitTest.get(gate) : undefined) ??
        failedAncestor(
          ctx.manifest.graph,
          node.uniqueId,
          failed,
          (id) => ctx.manifest.testsByNode.get(id) ?? [],
          isTestNode(node),
        )
      );
    },
    skipBlocked(node, blocker, index, total) {
      failed.add(node.uniqueId);
      const now = new Date().toISOString();
      const blockerName = ctx.manifest.nodes.get(blocker)?.name ?? blocker;
      results.push(baseResult(node, 'skipped', `Skipped: upstream ${blockerName} failed`, 0, now, now));
      emit({ kind: 'skipped', node: nodeRef(node), index, total, reason: `upstream ${blockerName} failed` });
    },
    begin(node) {
      ctx.executor.lastStatement = '';
      ctx.executor.node = node.uniqueId;
      if (ctx.commits) {
        ctx.commits.node = node.name;
        // Other writers commit between this run's nodes: each node asks the catalog afresh.
        ctx.relations.forget();
      }
    },
    fail(node, error, tracker, startedAt, index, total) {
      ctx.unchanged?.nodeRan();
      if (fatal(error)) throw error;
      if (isCancelled(error)) throw error instanceof CancelledError ? error : new CancelledError('Model run');
      const typed = typedError(error, node, tracker, ctx.executor.lastStatement);
      const seconds = (Date.now() - startedAt.getTime()) / 1000;
      failed.add(node.uniqueId);
      if (node.unitTest) failedUnitTest.set(node.unitTest.modelId, node.uniqueId);
      const result = baseResult(
        node,
        'error',
        typed.message,
        seconds,
        startedAt.toISOString(),
        new Date().toISOString(),
      );
      result.error = typed;
      if (tracker.compiledSql !== undefined) result.compiledCode = tracker.compiledSql;
      results.push(result);
      emit({ kind: 'failed', node: nodeRef(node), index, total, seconds, error: typed, status: 'error' });
    },
    finish(node, outcome, startedAt, index, total) {
      const ref = nodeRef(node);
      // A node that ran sent statements, so the catalog states are read afresh when next asked; the
      // read of its own table's state right after it (its memo) already is that fresh read.
      const seconds = (Date.now() - startedAt.getTime()) / 1000;
      const result = baseResult(
        node,
        outcome.status,
        outcome.message,
        seconds,
        startedAt.toISOString(),
        new Date().toISOString(),
      );
      if (outcome.rowsAffected !== undefined) result.rowsAffected = outcome.rowsAffected;
      if (outcome.failures !== undefined) result.failures = outcome.failures;
      if (outcome.compiledCode !== undefined) result.compiledCode = outcome.compiledCode;
      if (outcome.compiledPath !== undefined) result.compiledPath = outcome.compiledPath;
      results.push(result);
      if (outcome.unchanged) {
        result.unchanged = true;
        emit({ kind: 'skipped', node: ref, index, total, reason: outcome.message, unchanged: true });
      } else if (outcome.status === 'fail') {
        failed.add(node.uniqueId);
        if (node.unitTest) failedUnitTest.set(node.unitTest.modelId, node.uniqueId);
        // A failing unit test points at its YAML entry, so the editor shows the diff there.
        const error = node.unitTest
          ? new ModelRuntimeError(`unit test ${node.name} failed: ${outcome.message}`, node.unitTest.spec.location)
          : new LakehouseError('model-test-failed', `${node.name}: ${outcome.message}`);
        if (node.unitTest) result.error = error;
        emit({ kind: 'failed', node: ref, index, total, seconds, error, status: 'fail' });
      } else {
        const event: RunEvent = {
          kind: 'succeeded',
          node: ref,
          index,
          total,
          seconds,
          status: outcome.status,
          message: outcome.message,
        };
        if (outcome.rowsAffected !== undefined) event.rows = outcome.rowsAffected;
        emit(event);
      }
    },
  };
}

export function executeNode(ctx: ExecutionContext, node: ManifestNode, tracker: CompiledTracker): Promise<NodeOutcome> {
  switch (node.resourceType) {
    case 'model':
      return executeModel(ctx, node, tracker);
    case 'seed':
      return executeSeed(ctx, node);
    case 'test':
      return executeTest(ctx, node, tracker);
    case 'unit_test':
      return executeUnitTest(ctx, node, tracker);
    case 'snapshot':
      return executeSnapshot(ctx, node, tracker);
    default:
      throw new Error(`Cannot run ${node.resourceType} nodes`);
  }
}

function typedError(error: unknown, node: ManifestNode, tracker: CompiledTracker, statement: string): LakehouseError {
  if (error instanceof LakehouseError) return error;
  const failed = {
    statement,
    compiledSql: tracker.compiledSql ?? '',
    what: `${node.resourceType} ${node.name}`,
    ...(node.file ? { file: { path: node.file.path, raw: node.file.raw } } : {}),
  };
  if (!node.file && node.test) {
    return toRuntimeError(error, { ...failed, file: { path: node.test.file, raw: '' } });
  }
  return toRuntimeError(error, failed);
}

async function runProjectHooks(ctx: ExecutionContext, hooks: string[], kind: string): Promise<void> {
  ctx.executor.node = undefined;
  for (const [i, hook] of hooks.entries()) {
    const sql = await ctx.compiler.renderSnippet(hook, `${kind} ${i + 1}`, undefined, false);
    if (sql.trim() === '') continue;
    try {
      await ctx.executor.run(sql);
    } catch (error) {
      if (isCancelled(error)) throw error;
      throw new ModelRuntimeError(
        `${kind} hook ${i + 1} failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
        { file: ctx.manifest.project.projectFile, line: 1 },
        undefined,
        { cause: error },
      );
    }
  }
}

export function nodeRef(node: ManifestNode): NodeRef {
  const ref: NodeRef = { uniqueId: node.uniqueId, name: node.name, resourceType: node.resourceType };
  const file = node.file?.relativePath;
  if (file) ref.file = file;
  return ref;
}

function baseResult(
  node: ManifestNode,
  status: NodeResult['status'],
  message: string,
  executionTime: number,
  startedAt: string,
  completedAt: string,
): NodeResult {
  const result: NodeResult = {
    uniqueId: node.uniqueId,
    name: node.name,
    resourceType: node.resourceType,
    status,
    executionTime,
    message,
    startedAt,
    completedAt,
  };
  const relationName = relationNameOf(node);
  if (relationName) result.relationName = relationName;
  return result;
}

/** DuckLake's words when another writer committed a change this transaction's commit cannot be merged with. */
export function isCommitConflict(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /Transaction conflict|could not serialize access|duplicate key value violates unique constraint/i.test(
    message,
  );
}

/**
 * Team mode: a node that lost a commit race to another writer rolled back
 * whole (one transaction per node), so it is simply run again on top of the
 * winner's snapshot, after a short random pause so the racers spread out.
 */
async function executeWithConflictRetry<T>(
  policy: CommitPolicy | undefined,
  node: string,
  work: () => Promise<T>,
  beforeRetry: () => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!policy || attempt > policy.conflictRetries || !isCommitConflict(error)) throw error;
      policy.onConflict?.(node, attempt, error instanceof Error ? error.message.split('\n').pop()! : String(error));
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.floor(Math.random() * 200 * attempt)));
      beforeRetry();
    }
  }
}
