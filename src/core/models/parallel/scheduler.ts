import { isCancelled } from '../../errors';
import { guards } from '../graph';
import { applyModel, prepareModel, type ExecutionContext, type NodeOutcome } from '../node-execution';
import type { CompiledTracker } from '../node-execution';
import type { ManifestNode, RunEvent } from '../types';
import type { NodeSteps } from '../node-steps';
import type { ComputePool } from './compute-pool';
import { Mutex, ReadWriteLock, Semaphore } from '../../util/locks';

/** What the runner does around each node (runner.ts); the scheduler only decides when and where. */
export interface ParallelSteps extends NodeSteps {
  /** Runs a node whole on the run's connection, as a one-at-a-time run does. */
  execute(node: ManifestNode, tracker: CompiledTracker): Promise<NodeOutcome>;
}

export interface ParallelOptions {
  threads: number;
  pool: ComputePool;
  /**
   * The lake's catalog cannot commit while another connection reads it (DuckLake on SQLite: `database
   * is locked`): computes then run only between the run connection's jobs, never during one.
   */
  readsBlockCommits: boolean;
  emit: (event: RunEvent) => void;
  /** Said once when parallel computes stop for the rest of the run. */
  log: (message: string) => void;
}

/**
 * DAG-parallel run: a node starts once every node it waits for is done. Table
 * and incremental models without pre-hooks are compiled on the run's
 * connection, computed on a worker connection into a staging table (up to
 * `threads` at once), then materialized from it on the run's connection, one
 * at a time, so DuckLake sees one writer. Everything else runs whole on the
 * run's connection in its turn.
 */
export async function runNodesParallel(
  ctx: ExecutionContext,
  order: ManifestNode[],
  steps: ParallelSteps,
  options: ParallelOptions,
): Promise<void> {
  const total = order.length;
  const waitsFor = dependencies(ctx, order);
  const main = new Mutex();
  const lake = options.readsBlockCommits ? new ReadWriteLock() : undefined;
  const slots = new Semaphore(options.threads);
  // Exclusive jobs are mutually exclusive already; asked at once, a waiting compile holds back new computes,
  // so the nodes that became ready together are compiled together and then computed together.
  const onMain = <T>(job: () => Promise<T>) => (lake ? lake.exclusive(job) : main.run(job));
  const onWorker = <T>(job: () => Promise<T>) => slots.run(() => (lake ? lake.shared(job) : job()));
  let nextIndex = 0;
  let stopped: unknown;
  let saidSerial = false;
  const done = new Set<string>();
  const started = new Set<string>();
  const running = new Set<Promise<void>>();

  const runOne = async (node: ManifestNode): Promise<void> => {
    if (stopped) return;
    const blocker = steps.blocker(node);
    if (blocker) {
      steps.skipBlocked(node, blocker, nextIndex++, total);
      return;
    }
    const tracker: CompiledTracker = {};
    let index = -1;
    let startedAt = new Date();
    const start = () => {
      ctx.executor.throwIfCancelled();
      index = nextIndex++;
      options.emit({ kind: 'started', node: refOf(node), index, total });
      startedAt = new Date();
      steps.begin(node);
    };
    // Recorded while the run's connection is still this node's, so the error names its last statement.
    const failed = (error: unknown): undefined => {
      try {
        steps.fail(node, error, tracker, startedAt, index < 0 ? nextIndex++ : index, total);
      } catch (stop) {
        stopped ??= stop;
      }
      return undefined;
    };
    const onMainStep = <T>(job: () => Promise<T>) => onMain(() => job().catch(failed));
    const finish = (outcome: NodeOutcome | undefined) => {
      if (outcome) steps.finish(node, outcome, startedAt, index, total);
    };

    if (!computable(node)) {
      finish(
        await onMainStep(async () => {
          start();
          return steps.execute(node, tracker);
        }),
      );
      return;
    }
    const prepared = await onMainStep(async () => {
      start();
      const result = await prepareModel(ctx, node, tracker);
      if (!('status' in result)) await options.pool.prepare();
      return result;
    });
    if (!prepared) return;
    if ('status' in prepared) {
      finish(prepared);
      return;
    }
    // A pre-hook may change what the SELECT reads; a SET/USE/temp object on the run's connection is
    // invisible to a worker: computed in place then, as a one-at-a-time run does.
    let staged: { select: string; table: string } | undefined;
    if (prepared.preHooks.length === 0 && ctx.executor.connectionStateSent === 0) {
      try {
        staged = await onWorker(() =>
          options.pool.compute(node.uniqueId, node.relation!.identifier, prepared.compiledSql),
        );
      } catch (error) {
        if (isCancelled(error)) {
          failed(error);
          return;
        }
        // Failing here, it runs in place: the error (or, had the worker lacked something, the rows) is the serial run's.
      }
    } else if (ctx.executor.connectionStateSent > 0 && !saidSerial) {
      saidSerial = true;
      options.log(
        `threads: ${options.threads}: the project's SQL changed the connection's own state (SET, USE, PRAGMA or a temp object), which other connections cannot see; models are computed one at a time from here.`,
      );
    }
    finish(
      await onMainStep(async () => {
        steps.begin(node);
        try {
          return await applyModel(ctx, prepared, staged?.select);
        } finally {
          if (staged) await options.pool.drop(staged.table);
        }
      }),
    );
  };

  const launch = () => {
    if (stopped) return;
    for (const node of order) {
      if (started.has(node.uniqueId)) continue;
      if (![...waitsFor.get(node.uniqueId)!].every((id) => done.has(id))) continue;
      started.add(node.uniqueId);
      const task: Promise<void> = runOne(node).finally(() => {
        done.add(node.uniqueId);
        running.delete(task);
      });
      running.add(task);
    }
  };

  launch();
  while (running.size > 0) {
    await Promise.race(running);
    launch();
  }
  if (stopped) throw stopped;
}

/** Table and incremental models: the ones whose SELECT can be computed apart from their write. */
function computable(node: ManifestNode): boolean {
  if (node.resourceType !== 'model' || !node.relation) return false;
  const kind = String(node.config.materialized ?? 'view');
  return kind === 'table' || kind === 'incremental';
}

/**
 * What each node waits for: the nodes of the run upstream of it (through
 * nodes not run, e.g. ephemeral ones), the tests of those (a failing one skips
 * it in build), and its own unit tests. Only nodes earlier in the order, so
 * nothing waits in a circle.
 */
function dependencies(ctx: ExecutionContext, order: ManifestNode[]): Map<string, Set<string>> {
  const position = new Map(order.map((n, i) => [n.uniqueId, i]));
  const unitTestsOf = new Map<string, string[]>();
  for (const node of order) {
    if (node.unitTest)
      unitTestsOf.set(node.unitTest.modelId, [...(unitTestsOf.get(node.unitTest.modelId) ?? []), node.uniqueId]);
  }
  const waits = new Map<string, Set<string>>();
  for (const [i, node] of order.entries()) {
    const set = new Set<string>();
    const add = (id: string) => {
      const at = position.get(id);
      if (at !== undefined && at < i) set.add(id);
    };
    const upstream = new Set([...ctx.manifest.graph.ancestors(node.uniqueId), ...node.dependsOn]);
    if (node.unitTest) for (const id of ctx.manifest.graph.ancestors(node.unitTest.modelId)) upstream.add(id);
    for (const id of upstream) {
      add(id);
      for (const test of ctx.manifest.testsByNode.get(id) ?? [])
        if (test !== node.uniqueId && guards(ctx.manifest.graph, test, upstream)) add(test);
      for (const unit of unitTestsOf.get(id) ?? []) add(unit);
    }
    for (const unit of unitTestsOf.get(node.uniqueId) ?? []) add(unit);
    waits.set(node.uniqueId, set);
  }
  return waits;
}

function refOf(node: ManifestNode) {
  const ref: { uniqueId: string; name: string; resourceType: ManifestNode['resourceType']; file?: string } = {
    uniqueId: node.uniqueId,
    name: node.name,
    resourceType: node.resourceType,
  };
  if (node.file?.relativePath) ref.file = node.file.relativePath;
  return ref;
}
