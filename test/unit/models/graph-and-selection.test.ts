import { describe, expect, it } from 'vitest';
import { ModelCompileError } from '../../../src/core/models/errors';
import { DependencyGraph, failedAncestor } from '../../../src/core/models/graph';
import { parseSelectorAtom, selectNodes, type SelectableNode } from '../../../src/core/models/selection';

// stg_a -> int_b -> fct_c -> rpt_d ; stg_e -> fct_c ; other
function project() {
  const nodes: SelectableNode[] = [
    {
      uniqueId: 'model.p.stg_a',
      name: 'stg_a',
      resourceType: 'model',
      tags: ['staging'],
      path: 'models/staging/stg_a.sql',
      fqn: ['p', 'staging', 'stg_a'],
    },
    {
      uniqueId: 'model.p.stg_e',
      name: 'stg_e',
      resourceType: 'model',
      tags: ['staging', 'daily'],
      path: 'models/staging/stg_e.sql',
      fqn: ['p', 'staging', 'stg_e'],
    },
    {
      uniqueId: 'model.p.int_b',
      name: 'int_b',
      resourceType: 'model',
      tags: [],
      path: 'models/int/int_b.sql',
      fqn: ['p', 'int', 'int_b'],
    },
    {
      uniqueId: 'model.p.fct_c',
      name: 'fct_c',
      resourceType: 'model',
      tags: ['daily'],
      path: 'models/marts/fct_c.sql',
      fqn: ['p', 'marts', 'fct_c'],
    },
    {
      uniqueId: 'model.p.rpt_d',
      name: 'rpt_d',
      resourceType: 'model',
      tags: [],
      path: 'models/marts/rpt/rpt_d.sql',
      fqn: ['p', 'marts', 'rpt', 'rpt_d'],
    },
    {
      uniqueId: 'model.p.other',
      name: 'other',
      resourceType: 'model',
      tags: [],
      path: 'models/other.sql',
      fqn: ['p', 'other'],
    },
  ];
  const graph = new DependencyGraph();
  for (const n of nodes) graph.addNode(n.uniqueId);
  graph.addEdge('model.p.stg_a', 'model.p.int_b');
  graph.addEdge('model.p.int_b', 'model.p.fct_c');
  graph.addEdge('model.p.stg_e', 'model.p.fct_c');
  graph.addEdge('model.p.fct_c', 'model.p.rpt_d');
  return { nodes, graph };
}

const names = (ids: Set<string>) => [...ids].map((id) => id.split('.').pop()).sort();

describe('dependency graph', () => {
  it('orders parents before children, keeping file order among ready nodes', () => {
    const { graph } = project();
    expect(graph.topologicalOrder().map((id) => id.split('.').pop())).toEqual([
      'stg_a',
      'stg_e',
      'int_b',
      'fct_c',
      'rpt_d',
      'other',
    ]);
  });

  it('finds ancestors and descendants, with depth limits', () => {
    const { graph } = project();
    expect(names(graph.descendants('model.p.int_b'))).toEqual(['fct_c', 'rpt_d']);
    expect(names(graph.ancestors('model.p.rpt_d'))).toEqual(['fct_c', 'int_b', 'stg_a', 'stg_e']);
    expect(names(graph.ancestors('model.p.rpt_d', 1))).toEqual(['fct_c']);
  });

  it('skips what is downstream of a failure and lets the rest run', () => {
    const { graph } = project();
    const failed = new Set(['model.p.int_b']);
    const blocked = (id: string) => failedAncestor(graph, `model.p.${id}`, failed);
    expect(blocked('fct_c')).toBe('model.p.int_b');
    expect(blocked('rpt_d')).toBe('model.p.int_b');
    expect(blocked('stg_e')).toBeUndefined();
    expect(blocked('other')).toBeUndefined();
    // build: a failed test of stg_a blocks stg_a's descendants, not the test's siblings.
    const tests = (id: string) => (id === 'model.p.stg_a' ? ['test.p.unique_stg_a', 'test.p.not_null_stg_a'] : []);
    const afterTest = new Set(['test.p.unique_stg_a']);
    expect(failedAncestor(graph, 'model.p.int_b', afterTest, tests)).toBe('test.p.unique_stg_a');
    expect(failedAncestor(graph, 'model.p.stg_e', afterTest, tests)).toBeUndefined();
    expect(failedAncestor(graph, 'test.p.not_null_stg_a', afterTest, tests, true)).toBeUndefined();
  });

  it("blocks with a test of two models only what reads both (dbt's build edge), not what reads one", () => {
    const graph = new DependencyGraph();
    graph.addEdge('model.p.a', 'test.p.rel_a_b');
    graph.addEdge('model.p.b', 'test.p.rel_a_b');
    graph.addEdge('model.p.b', 'model.p.reads_b');
    graph.addEdge('model.p.a', 'model.p.reads_both');
    graph.addEdge('model.p.b', 'model.p.reads_both');
    const tests = (id: string) => (id === 'model.p.a' || id === 'model.p.b' ? ['test.p.rel_a_b'] : []);
    const failed = new Set(['test.p.rel_a_b']);
    expect(failedAncestor(graph, 'model.p.reads_b', failed, tests)).toBeUndefined();
    expect(failedAncestor(graph, 'model.p.reads_both', failed, tests)).toBe('test.p.rel_a_b');
  });

  it('names the cycle when there is one', () => {
    const graph = new DependencyGraph();
    graph.addEdge('a', 'b');
    graph.addEdge('b', 'c');
    graph.addEdge('c', 'a');
    graph.addEdge('x', 'a');
    expect(() => graph.topologicalOrder()).toThrow(ModelCompileError);
    expect(() => graph.topologicalOrder()).toThrow(
      /Dependency cycle: (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)/,
    );
  });
});

describe('selection grammar', () => {
  const { nodes, graph } = project();
  const select = (select?: string[], exclude?: string[]) => names(selectNodes(nodes, graph, select, exclude));

  it('selects everything without arguments', () => {
    expect(select()).toHaveLength(6);
  });

  it('selects by name, with +parents and children+', () => {
    expect(select(['fct_c'])).toEqual(['fct_c']);
    expect(select(['+fct_c'])).toEqual(['fct_c', 'int_b', 'stg_a', 'stg_e']);
    expect(select(['int_b+'])).toEqual(['fct_c', 'int_b', 'rpt_d']);
    expect(select(['1+fct_c'])).toEqual(['fct_c', 'int_b', 'stg_e']);
    expect(select(['stg_a+1'])).toEqual(['int_b', 'stg_a']);
  });

  it('selects by tag, path, folder and wildcard; unions words and intersects commas', () => {
    expect(select(['tag:daily'])).toEqual(['fct_c', 'stg_e']);
    expect(select(['path:models/marts'])).toEqual(['fct_c', 'rpt_d']);
    expect(select(['models/staging/stg_a.sql'])).toEqual(['stg_a']);
    expect(select(['staging'])).toEqual(['stg_a', 'stg_e']);
    expect(select(['marts.rpt'])).toEqual(['rpt_d']);
    expect(select(['stg_*'])).toEqual(['stg_a', 'stg_e']);
    expect(select(['stg_a other'])).toEqual(['other', 'stg_a']);
    expect(select(['tag:staging,tag:daily'])).toEqual(['stg_e']);
    expect(select(['@int_b'])).toEqual(['fct_c', 'int_b', 'rpt_d', 'stg_a', 'stg_e']);
  });

  it('removes --exclude from the selection', () => {
    expect(select(['+rpt_d'], ['tag:staging'])).toEqual(['fct_c', 'int_b', 'rpt_d']);
    expect(select(undefined, ['marts'])).toEqual(['int_b', 'other', 'stg_a', 'stg_e']);
  });

  it('rejects selector methods it does not know, pointing at the dbt runner', () => {
    expect(() => parseSelectorAtom('state:modified')).toThrow(/not supported by the built-in runner/);
  });
});
