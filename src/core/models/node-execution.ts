import { relative } from 'node:path';
import { writeCompiled, type ArtifactPaths } from './artifacts';
import type { NodeCompiler } from './compile';
import type { Manifest } from './manifest';
import { materialize, type ExistingKind } from './materializations';
import { UnsupportedFeatureError } from './errors';
import { renderRelationName } from './relation';
import { loadSeed } from './seeds';
import { materializeSnapshot } from './snapshots/materialize';
import type { RelationCache } from './relation-cache';
import type { UnchangedNodes } from './skip-unchanged/skip-unchanged';
import type { SqlExecutor } from './sql-executor';
import { failureCountSql, genericTestSql } from './tests/test-sql';
import type { CommitPolicy, ManifestNode, NodeStatus, RunCommand } from './types';

/** What running one node produced (the runner adds timing and events). */
export interface NodeOutcome {
  status: NodeStatus;
  message: string;
  rowsAffected?: number;
  failures?: number;
  compiledCode?: string;
  compiledPath?: string;
  /** Skipped because nothing it reads or is changed since its last run. */
  unchanged?: boolean;
}

export interface ExecutionContext {
  manifest: Manifest;
  compiler: NodeCompiler;
  executor: SqlExecutor;
  artifacts: ArtifactPaths | undefined;
  fullRefresh: boolean;
  /** The dbt command being run (build gates a model on its unit tests). */
  command?: RunCommand;
  /** Team mode: commits stamped and retried on conflict; `node` is the one running now. */
  commits?: { policy: CommitPolicy; node: string };
  /** What exists in the target schemas, listed once per schema and kept up to date by the run. */
  relations: RelationCache;
  /** Skips models provably unchanged since the last run (absent: everything runs). */
  unchanged?: UnchangedNodes;
}

/** Tracks the compiled SQL of the node being run, so a DuckDB error can be mapped back to it. */
export interface CompiledTracker {
  compiledSql?: string;
}

export async function existingKind(ctx: ExecutionContext, node: ManifestNode): Promise<ExistingKind> {
  if (!node.relation) return undefined;
  // Before DuckDB is opened, a table the catalog file shows is answered from it (listing the schema opens DuckDB).
  return (await ctx.unchanged?.existingWithoutDuckDB(node)) ?? ctx.relations.kindOf(node.relation);
}

export function fullRefreshFor(node: ManifestNode, flag: boolean): boolean {
  if (node.config.full_refresh === true) return true;
  if (node.config.full_refresh === false) return false;
  return flag;
}

async function renderHooks(
  ctx: ExecutionContext,
  node: ManifestNode,
  hooks: string[],
  kind: string,
  isIncremental: boolean,
) {
  const out: string[] = [];
  for (const [i, hook] of hooks.entries()) {
    // Hooks are rendered before the node runs; dbt renders a post-hook after. A post-hook whose Jinja
    // runs SQL (run_query, statement, adapter.drop_relation) would act too early here: refused, unsent.
    const options =
      kind === 'post-hook'
        ? {
            refuseQueries: () =>
              new UnsupportedFeatureError(
                'A post-hook that runs SQL while it renders (run_query, statement, adapter.drop_relation)',
                node.file ? { file: node.file.path, line: 1 } : undefined,
                `${node.name} post-hook ${i + 1}; put the SQL in the hook's text instead`,
              ),
          }
        : undefined;
    const sql = await ctx.compiler.renderSnippet(
      hook,
      `${node.name} ${kind} ${i + 1}`,
      node,
      isIncremental,
      undefined,
      options,
    );
    if (sql.trim() !== '') out.push(sql);
  }
  return out;
}

export async function executeModel(
  ctx: ExecutionContext,
  node: ManifestNode,
  tracker: CompiledTracker,
): Promise<NodeOutcome> {
  const prepared = await prepareModel(ctx, node, tracker);
  return 'status' in prepared ? prepared : applyModel(ctx, prepared);
}

/** A model compiled, its hooks rendered and its skip check made: what materializing it needs. */
export interface PreparedModel {
  node: ManifestNode;
  existing: ExistingKind;
  fullRefresh: boolean;
  compiledSql: string;
  compiledPath: string | undefined;
  preHooks: string[];
  postHooks: string[];
  check: SkipCheck | undefined;
}

type SkipCheck = Awaited<ReturnType<UnchangedNodes['check']>>;

/** Compiles the model and checks whether it can be skipped (the outcome then) — on the run's own connection. */
export async function prepareModel(
  ctx: ExecutionContext,
  node: ManifestNode,
  tracker: CompiledTracker,
): Promise<PreparedModel | NodeOutcome> {
  const existing = await existingKind(ctx, node);
  const fullRefresh = fullRefreshFor(node, ctx.fullRefresh);
  const isIncremental = node.config.materialized === 'incremental' && existing === 'table' && !fullRefresh;
  const compiled = await ctx.compiler.compile(node, isIncremental);
  tracker.compiledSql = compiled.sql;
  const compiledPath =
    ctx.artifacts && node.file ? writeCompiled(ctx.artifacts, node.file.relativePath, compiled.sql) : undefined;
  const preHooks = await renderHooks(ctx, node, node.config.pre_hook, 'pre-hook', isIncremental);
  const postHooks = await renderHooks(ctx, node, node.config.post_hook, 'post-hook', isIncremental);
  const check = await ctx.unchanged?.check(node, compiled.sql, [...preHooks, ...postHooks], !fullRefresh);
  if (check?.kind === 'skip') {
    const outcome: NodeOutcome = {
      status: 'skipped',
      message: `unchanged since run ${check.since.invocationId} (${check.since.completedAt})`,
      compiledCode: compiled.sql,
      unchanged: true,
    };
    if (compiledPath) outcome.compiledPath = compiledPath;
    return outcome;
  }
  return { node, existing, fullRefresh, compiledSql: compiled.sql, compiledPath, preHooks, postHooks, check };
}

/**
 * Materializes a prepared model. `rowsSql` is the SELECT the materialization writes: the compiled SQL,
 * or (a parallel run) a select of the rows a worker connection already computed from it; the outcome
 * always carries the compiled SQL.
 */
export async function applyModel(
  ctx: ExecutionContext,
  prepared: PreparedModel,
  rowsSql: string = prepared.compiledSql,
): Promise<NodeOutcome> {
  const { node, check } = prepared;
  const result = await materialize({
    node,
    relation: node.relation!,
    compiledSql: rowsSql,
    executor: ctx.executor,
    existing: prepared.existing,
    schemaExists: await ctx.relations.schemaExists(node.relation!),
    fullRefresh: prepared.fullRefresh,
    preHooks: prepared.preHooks,
    postHooks: prepared.postHooks,
  });
  await ctx.relations.record(node.relation!, String(node.config.materialized ?? 'view') === 'view' ? 'view' : 'table');
  if (check?.kind === 'run' && check.remember) check.remember(await ctx.unchanged!.ownState(node));
  const outcome: NodeOutcome = {
    status: 'success',
    message: result.message,
    compiledCode: prepared.compiledSql,
  };
  if (result.rowsAffected !== undefined) outcome.rowsAffected = result.rowsAffected;
  if (prepared.compiledPath) outcome.compiledPath = prepared.compiledPath;
  return outcome;
}

/** A snapshot: rendered like a model (its refs resolved, no ephemeral CTEs needed), then dbt's snapshot steps. */
export async function executeSnapshot(
  ctx: ExecutionContext,
  node: ManifestNode,
  tracker: CompiledTracker,
): Promise<NodeOutcome> {
  const existing = await existingKind(ctx, node);
  const compiled = await ctx.compiler.compile(node, false);
  tracker.compiledSql = compiled.sql;
  const compiledPath =
    ctx.artifacts && node.file ? writeCompiled(ctx.artifacts, node.file.relativePath, compiled.sql) : undefined;
  const preHooks = await renderHooks(ctx, node, node.config.pre_hook, 'pre-hook', false);
  const postHooks = await renderHooks(ctx, node, node.config.post_hook, 'post-hook', false);
  const result = await materializeSnapshot({
    node,
    relation: node.relation!,
    compiledSql: compiled.sql,
    executor: ctx.executor,
    existing,
    fullRefresh: false,
    preHooks,
    postHooks,
  });
  await ctx.relations.record(node.relation!, 'table');
  const outcome: NodeOutcome = { status: 'success', message: result.message, compiledCode: compiled.sql };
  if (result.rowsAffected !== undefined) outcome.rowsAffected = result.rowsAffected;
  if (compiledPath) outcome.compiledPath = compiledPath;
  return outcome;
}

export async function executeSeed(ctx: ExecutionContext, node: ManifestNode): Promise<NodeOutcome> {
  const existing = await existingKind(ctx, node);
  const preHooks = await renderHooks(ctx, node, node.config.pre_hook, 'pre-hook', false);
  const postHooks = await renderHooks(ctx, node, node.config.post_hook, 'post-hook', false);
  // dbt build --full-refresh reloads seeds too.
  const check = await ctx.unchanged?.checkSeed(node, [...preHooks, ...postHooks], !ctx.fullRefresh);
  if (check?.kind === 'skip')
    return {
      status: 'skipped',
      message: `unchanged since run ${check.since.invocationId} (${check.since.completedAt})`,
      unchanged: true,
    };
  const result = await loadSeed({
    node,
    relation: node.relation!,
    executor: ctx.executor,
    existing,
    schemaExists: await ctx.relations.schemaExists(node.relation!),
    preHooks,
    postHooks,
  });
  await ctx.relations.record(node.relation!, 'table');
  if (check?.kind === 'run' && check.remember) check.remember(await ctx.unchanged!.ownState(node));
  const outcome: NodeOutcome = { status: 'success', message: result.message };
  if (result.rowsAffected !== undefined) outcome.rowsAffected = result.rowsAffected;
  return outcome;
}

export async function executeTest(
  ctx: ExecutionContext,
  node: ManifestNode,
  tracker: CompiledTracker,
): Promise<NodeOutcome> {
  let sql: string;
  let relativeFile: string | undefined;
  if (node.test) {
    const generic = await genericTestSql(node, ctx.manifest, ctx.compiler);
    sql = generic.sql;
    relativeFile = `${relative(ctx.manifest.project.root, node.test.file).split('\\').join('/')}/${node.test.fileStem ?? node.name}.sql`;
    node = withMacroConfig(node, generic.configCalls);
  } else {
    const compiled = await ctx.compiler.compile(node, false);
    sql = compiled.sql;
    relativeFile = node.file?.relativePath;
  }
  tracker.compiledSql = sql;
  const compiledPath = ctx.artifacts && relativeFile ? writeCompiled(ctx.artifacts, relativeFile, sql) : undefined;
  // One SELECT around the test's own (no `;` in it, no DuckLake maintenance function): it cannot write.
  const readOnly = !/;|\bducklake_/i.test(sql.replace(/;\s*$/, ''));
  const countSql = failureCountSql(sql, node.config);
  const check = readOnly
    ? await ctx.unchanged?.checkTest(node, countSql, (n) => testStatus(node, n) === 'pass')
    : undefined;
  if (check?.kind === 'skip') {
    const outcome: NodeOutcome = {
      status: 'skipped',
      message: `unchanged since run ${check.since.invocationId} (${check.since.completedAt}), when it passed`,
      compiledCode: sql,
      unchanged: true,
    };
    if (compiledPath) outcome.compiledPath = compiledPath;
    return outcome;
  }
  const [row] = (await ctx.executor.query(countSql, readOnly)).rows;
  const failures = Number(row?.[0] ?? 0);
  if (check?.kind === 'run') check.remember?.(failures);
  const status = testStatus(node, failures);
  const message =
    status === 'pass'
      ? 'PASS'
      : `Got ${failures} result${failures === 1 ? '' : 's'}, configured to ${status} if ${conditionFor(node, status)}`;
  const outcome: NodeOutcome = { status, message, failures, compiledCode: sql };
  if (compiledPath) outcome.compiledPath = compiledPath;
  return outcome;
}

/**
 * The test as dbt configures it: what the test's macro set with `config()` (`fail_calc`, `warn_if`...)
 * under what the test's properties and the project set.
 */
function withMacroConfig(node: ManifestNode, calls: Record<string, unknown>[]): ManifestNode {
  if (calls.length === 0) return node;
  const config: Record<string, unknown> = { ...node.config };
  for (const [key, value] of Object.entries(Object.assign({}, ...calls) as Record<string, unknown>))
    if (config[key] === undefined) config[key] = value;
  return { ...node, config: config as ManifestNode['config'] };
}

/** dbt's severity rules: `error_if` / `warn_if` (default `!= 0`), `severity: warn` never errors. */
export function testStatus(node: ManifestNode, failures: number): NodeStatus {
  const severity = String(node.config.severity ?? 'error').toLowerCase();
  const errorIf = String(node.config.error_if ?? '!= 0');
  const warnIf = String(node.config.warn_if ?? '!= 0');
  if (severity === 'error' && holds(errorIf, failures)) return 'fail';
  if (holds(warnIf, failures)) return 'warn';
  return 'pass';
}

function conditionFor(node: ManifestNode, status: NodeStatus): string {
  return status === 'fail' ? String(node.config.error_if ?? '!= 0') : String(node.config.warn_if ?? '!= 0');
}

function holds(condition: string, value: number): boolean {
  const match = /^\s*(>=|<=|!=|==|=|>|<)\s*(-?\d+)\s*$/.exec(condition);
  if (!match) return value !== 0;
  const n = Number(match[2]);
  switch (match[1]) {
    case '>=':
      return value >= n;
    case '<=':
      return value <= n;
    case '!=':
      return value !== n;
    case '==':
    case '=':
      return value === n;
    case '>':
      return value > n;
    default:
      return value < n;
  }
}

export function relationNameOf(node: ManifestNode): string | undefined {
  if (!node.relation || node.resourceType === 'test' || node.config.materialized === 'ephemeral') return undefined;
  return renderRelationName(node.relation);
}
