import type { CompiledTracker, NodeOutcome } from './node-execution';
import type { ManifestNode } from './types';

/** What the runner does around each node, whether nodes run one at a time or DAG-parallel. */
export interface NodeSteps {
  /** The failed (or skipped) node upstream that skips this one; undefined when it may run. */
  blocker(node: ManifestNode): string | undefined;
  /** Records the node as skipped because `blocker` upstream failed. */
  skipBlocked(node: ManifestNode, blocker: string, index: number, total: number): void;
  /** Points the run's connection (errors, statement listener, team-mode commits) at the node. */
  begin(node: ManifestNode): void;
  /** Records a node's error; rethrows a cancel or a fatal set-up failure. */
  fail(
    node: ManifestNode,
    error: unknown,
    tracker: CompiledTracker,
    startedAt: Date,
    index: number,
    total: number,
  ): void;
  finish(node: ManifestNode, outcome: NodeOutcome, startedAt: Date, index: number, total: number): void;
}
