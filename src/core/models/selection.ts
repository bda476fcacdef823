import { ProjectConfigError } from './errors';
import type { DependencyGraph } from './graph';

/** What selection needs to know about a node. */
export interface SelectableNode {
  uniqueId: string;
  name: string;
  resourceType: string;
  tags: readonly string[];
  /** Project-relative file path (`models/staging/stg_x.sql`), if any. */
  path?: string;
  /** [project, ...folders, name]. */
  fqn: readonly string[];
}

/** One selector atom: `2+tag:daily+`, `@orders`, `path:models/staging`. */
export interface SelectorAtom {
  method: 'fqn' | 'tag' | 'path' | 'resource_type' | 'unique_id';
  value: string;
  parents: boolean;
  parentsDepth?: number;
  children: boolean;
  childrenDepth?: number;
  /** `@x`: x, its descendants, and all their ancestors. */
  childrenAndTheirParents: boolean;
}

const ATOM = /^(@)?(?:(\d*)(\+))?(?:([a-z_]+):)?([^+]+?)(?:(\+)(\d*))?$/;

export function parseSelectorAtom(text: string): SelectorAtom {
  const match = ATOM.exec(text.trim());
  if (!match || !match[5]) {
    throw new ProjectConfigError(
      `Cannot read the selector '${text}'.`,
      undefined,
      'Use name, +name, name+, tag:x, path:models/x.',
    );
  }
  const [, at, parentsDepth, plusBefore, method, value, plusAfter, childrenDepth] = match;
  const known = ['fqn', 'tag', 'path', 'resource_type', 'unique_id'] as const;
  const chosen = method ?? (value!.includes('/') || value!.endsWith('.sql') ? 'path' : 'fqn');
  if (!(known as readonly string[]).includes(chosen)) {
    throw new ProjectConfigError(
      `The selector method '${chosen}:' is not supported by the built-in runner.`,
      undefined,
      `Supported: ${known.join(', ')}. Set 'lakehouse.runner' to 'dbt' for the full dbt selector syntax.`,
    );
  }
  const atom: SelectorAtom = {
    method: chosen as SelectorAtom['method'],
    value: value!,
    parents: plusBefore === '+',
    children: plusAfter === '+',
    childrenAndTheirParents: at === '@',
  };
  if (parentsDepth) atom.parentsDepth = Number(parentsDepth);
  if (childrenDepth) atom.childrenDepth = Number(childrenDepth);
  return atom;
}

/**
 * dbt's selection grammar: each argument (and each space-separated word in
 * one) is a union member; commas inside a word intersect; `--exclude` is
 * removed at the end. No arguments selects everything.
 */
export function selectNodes(
  nodes: readonly SelectableNode[],
  graph: DependencyGraph,
  select: readonly string[] | undefined,
  exclude: readonly string[] | undefined,
): Set<string> {
  const all = new Set(nodes.map((n) => n.uniqueId));
  const selected = hasWords(select) ? evaluateUnion(nodes, graph, select!) : all;
  if (hasWords(exclude)) for (const id of evaluateUnion(nodes, graph, exclude!)) selected.delete(id);
  return new Set([...selected].filter((id) => all.has(id)));
}

function hasWords(args: readonly string[] | undefined): boolean {
  return Boolean(args && args.some((a) => a.trim() !== ''));
}

function evaluateUnion(nodes: readonly SelectableNode[], graph: DependencyGraph, args: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const word of args.flatMap((a) => a.split(/\s+/)).filter(Boolean)) {
    const parts = word.split(',').map((p) => evaluateAtom(nodes, graph, parseSelectorAtom(p)));
    const [first, ...rest] = parts;
    for (const id of first ?? []) if (rest.every((set) => set.has(id))) out.add(id);
  }
  return out;
}

function evaluateAtom(nodes: readonly SelectableNode[], graph: DependencyGraph, atom: SelectorAtom): Set<string> {
  const base = new Set(nodes.filter((n) => matches(n, atom)).map((n) => n.uniqueId));
  const out = new Set(base);
  for (const id of base) {
    if (atom.parents) for (const p of graph.ancestors(id, atom.parentsDepth ?? Infinity)) out.add(p);
    if (atom.children || atom.childrenAndTheirParents) {
      for (const c of graph.descendants(id, atom.childrenDepth ?? Infinity)) out.add(c);
    }
  }
  if (atom.childrenAndTheirParents) {
    for (const id of [...out]) for (const p of graph.ancestors(id)) out.add(p);
  }
  return out;
}

function matches(node: SelectableNode, atom: SelectorAtom): boolean {
  switch (atom.method) {
    case 'tag':
      return node.tags.some((t) => glob(atom.value, t));
    case 'resource_type':
      return node.resourceType === atom.value;
    case 'unique_id':
      return node.uniqueId === atom.value;
    case 'path': {
      if (!node.path) return false;
      const wanted = atom.value.replace(/\/+$/, '');
      return node.path === wanted || node.path.startsWith(`${wanted}/`) || glob(wanted, node.path);
    }
    case 'fqn':
      return matchesFqn(node, atom.value);
  }
}

/** A bare name matches the node name, or a dotted prefix of its fqn (`staging`, `energy.staging.*`). */
function matchesFqn(node: SelectableNode, value: string): boolean {
  if (glob(value, node.name)) return true;
  const parts = value.split('.');
  const fqn = node.fqn;
  const tryFrom = (offset: number) =>
    parts.length <= fqn.length - offset && parts.every((p, i) => glob(p, fqn[offset + i]!));
  return tryFrom(0) || tryFrom(1);
}

function glob(pattern: string, text: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === text;
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return regex.test(text);
}
