import { ModelCompileError } from './errors';

/**
 * The dependency graph of a run: nodes by unique id, edges parent → child.
 * Order is deterministic: among nodes ready at the same time, the one added
 * first (file order) goes first.
 */
export class DependencyGraph {
  private readonly order: string[] = [];
  private readonly parents = new Map<string, Set<string>>();
  private readonly children = new Map<string, Set<string>>();

  addNode(id: string): void {
    if (this.parents.has(id)) return;
    this.order.push(id);
    this.parents.set(id, new Set());
    this.children.set(id, new Set());
  }

  /** `child` depends on `parent`. Both must have been added. */
  addEdge(parent: string, child: string): void {
    this.addNode(parent);
    this.addNode(child);
    this.parents.get(child)!.add(parent);
    this.children.get(parent)!.add(child);
  }

  has(id: string): boolean {
    return this.parents.has(id);
  }

  nodes(): string[] {
    return [...this.order];
  }

  parentsOf(id: string): string[] {
    return [...(this.parents.get(id) ?? [])];
  }

  childrenOf(id: string): string[] {
    return [...(this.children.get(id) ?? [])];
  }

  /** All nodes reachable downstream (excluding `id`), up to `depth` edges when given. */
  descendants(id: string, depth = Infinity): Set<string> {
    return this.reach(id, depth, (n) => this.children.get(n));
  }

  /** All nodes reachable upstream (excluding `id`), up to `depth` edges when given. */
  ancestors(id: string, depth = Infinity): Set<string> {
    return this.reach(id, depth, (n) => this.parents.get(n));
  }

  /**
   * Dependency order (parents first). Throws a ModelCompileError naming the
   * cycle when there is one.
   */
  topologicalOrder(describe: (id: string) => { name: string; file?: string } = (id) => ({ name: id })): string[] {
    const remaining = new Map<string, number>();
    for (const id of this.order) remaining.set(id, this.parents.get(id)!.size);
    const position = new Map(this.order.map((id, i) => [id, i]));
    const ready = this.order.filter((id) => remaining.get(id) === 0);
    const sorted: string[] = [];
    while (ready.length > 0) {
      ready.sort((a, b) => position.get(a)! - position.get(b)!);
      const id = ready.shift()!;
      sorted.push(id);
      for (const child of this.children.get(id)!) {
        const left = remaining.get(child)! - 1;
        remaining.set(child, left);
        if (left === 0) ready.push(child);
      }
    }
    if (sorted.length !== this.order.length) {
      const cycle = this.findCycle(new Set(this.order.filter((id) => remaining.get(id)! > 0)));
      const first = describe(cycle[0]!);
      throw new ModelCompileError(
        `Dependency cycle: ${cycle.map((id) => describe(id).name).join(' -> ')}.`,
        first.file ? { file: first.file, line: 1 } : undefined,
        'Break the cycle by removing one of the ref() calls.',
      );
    }
    return sorted;
  }

  private reach(id: string, depth: number, next: (n: string) => Set<string> | undefined): Set<string> {
    const seen = new Set<string>();
    let frontier = [id];
    for (let level = 0; level < depth && frontier.length > 0; level++) {
      const following: string[] = [];
      for (const node of frontier) {
        for (const n of next(node) ?? []) {
          if (!seen.has(n) && n !== id) {
            seen.add(n);
            following.push(n);
          }
        }
      }
      frontier = following;
    }
    return seen;
  }

  private findCycle(candidates: Set<string>): string[] {
    const start = [...candidates][0]!;
    const path: string[] = [];
    const onPath = new Set<string>();
    const explored = new Set<string>();
    const visit = (id: string): string[] | undefined => {
      path.push(id);
      onPath.add(id);
      for (const child of this.children.get(id)!) {
        if (!candidates.has(child) || explored.has(child)) continue;
        if (onPath.has(child)) return [...path.slice(path.indexOf(child)), child];
        const found = visit(child);
        if (found) return found;
      }
      path.pop();
      onPath.delete(id);
      explored.add(id);
      return undefined;
    };
    return visit(start) ?? [start];
  }
}

/**
 * Why a node must be skipped: the first failed (or skipped) node upstream of
 * it. In `build`, a failed test of an upstream node blocks too (tests hang off
 * the node they test, not off its children), as dbt adds that edge: only when
 * everything the test reads is upstream of the node (a relationships test of
 * two models blocks what reads both, not what reads one). Undefined when the
 * node may run.
 */
export function failedAncestor(
  graph: DependencyGraph,
  id: string,
  failed: ReadonlySet<string>,
  testsOf: (id: string) => readonly string[] = () => [],
  isTest = false,
): string | undefined {
  if (failed.size === 0) return undefined;
  const upstream = graph.ancestors(id);
  for (const ancestor of upstream) {
    if (failed.has(ancestor)) return ancestor;
    if (isTest) continue;
    for (const test of testsOf(ancestor))
      if (test !== id && failed.has(test) && guards(graph, test, upstream)) return test;
  }
  return undefined;
}

/** dbt's build edge from a test to a node: everything the test depends on is upstream of the node. */
export function guards(graph: DependencyGraph, test: string, upstream: ReadonlySet<string>): boolean {
  return graph.parentsOf(test).every((parent) => upstream.has(parent));
}
