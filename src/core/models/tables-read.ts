import type { MacroFile } from './jinja/macros';
import { parseRun, type ParsedRun } from './parse-run';
import { executionOrder } from './runner';
import type { ManifestNode, ProjectRunOptions, RelationName, RunCommand } from './types';

/** A catalog table as pull names it. */
export interface TableName {
  schema: string;
  table: string;
}

/** The tables a run reads, or why they cannot be known before it runs (then everything is pulled). */
export type TablesRead = { tables: TableName[] } | { everything: string };

// Jinja that reaches the database while rendering: what it reads is only known when it runs.
const DYNAMIC =
  /\b(run_query|statement|load_result|get_relation|load_relation|load_cached_relation|get_relations_by_pattern|get_relations_by_prefix|execute)\b/;
const MACRO_BLOCK =
  /\{%-?\s*(macro|test|materialization)\s+(\w+)[\s\S]*?\{%-?\s*end(?:macro|test|materialization)\s*-?%\}/g;

/**
 * The catalog tables the selected nodes of a run read, found statically from
 * the parsed project: each selected node's refs and sources (through ephemeral
 * models and views, which read their own parents), an incremental model's or a
 * snapshot's own table (`{{ this }}`), a seed's own table, and the tables tests
 * and unit tests look at. Whatever cannot be known without running — project or
 * node hooks, `sql_header`, a macro reached from a selected node that runs
 * queries or looks relations up — answers `everything`, with the reason.
 */
export async function tablesReadByRun(command: RunCommand, options: ProjectRunOptions): Promise<TablesRead> {
  return tablesRead(command, await parseRun(options, 'tables-read', Date.now()), options);
}

/** The same, from a run's parse (the run then reuses it: the project is parsed once). */
export function tablesRead(
  command: RunCommand,
  { manifest }: ParsedRun,
  options: Pick<ProjectRunOptions, 'select' | 'exclude'>,
): TablesRead {
  const project = manifest.project;
  if (project.onRunStart.length > 0 || project.onRunEnd.length > 0)
    return { everything: 'the project has on-run-start/on-run-end hooks' };
  const selected = executionOrder(manifest, command, options);
  const macros = macroBodies(project.macros);
  const tables = new Map<string, TableName>();
  const add = (relation: RelationName | undefined) => {
    if (relation)
      tables.set(`${relation.schema}.${relation.identifier}`, { schema: relation.schema, table: relation.identifier });
  };
  const visited = new Set<string>();
  const texts: Array<{ node: string; text: string }> = [];
  // A node's parents are read; an ephemeral or view parent reads its own parents in turn.
  const readParents = (node: ManifestNode): string | undefined => {
    for (const id of node.dependsOn) {
      if (visited.has(id)) continue;
      visited.add(id);
      const source = manifest.sources.get(id);
      if (source) {
        // An external_location source reads files (or a table function), no table of the catalog.
        if (source.external === undefined) add(source.relation);
        continue;
      }
      const parent = manifest.nodes.get(id);
      if (!parent) return `${node.name} depends on ${id}, which is not in the project`;
      const materialized = parent.config.materialized;
      if (materialized === 'ephemeral' || materialized === 'view') {
        const why = dynamicConfig(parent) ?? readParents(parent);
        if (why) return why;
        texts.push({ node: parent.name, text: nodeText(parent) });
      }
      if (materialized !== 'ephemeral') add(parent.relation);
    }
    return undefined;
  };
  for (const node of selected) {
    const why = dynamicConfig(node) ?? readParents(node);
    if (why) return { everything: why };
    texts.push({ node: node.name, text: nodeText(node) });
    const materialized = node.config.materialized;
    // A table or view model replaces its relation without reading it, unless its SQL says `this`.
    if (
      node.resourceType === 'seed' ||
      node.resourceType === 'snapshot' ||
      (node.resourceType === 'model' && materialized !== 'table' && materialized !== 'view') ||
      /\bthis\b/.test(stripComments(nodeText(node)))
    )
      add(node.relation);
  }
  for (const { node, text } of texts) {
    const macro = dynamicMacro(text, macros);
    if (macro) return { everything: `${node} uses the macro ${macro}, which queries the database while rendering` };
    if (DYNAMIC.test(stripComments(text)))
      return { everything: `${node} queries the database while rendering (run_query, statement, get_relation, …)` };
  }
  return {
    tables: [...tables.values()].sort((a, b) => `${a.schema}.${a.table}`.localeCompare(`${b.schema}.${b.table}`)),
  };
}

function dynamicConfig(node: ManifestNode): string | undefined {
  if (node.config.pre_hook.length > 0 || node.config.post_hook.length > 0) return `${node.name} has hooks`;
  if ((node.config as Record<string, unknown>).sql_header) return `${node.name} has a sql_header`;
  return undefined;
}

/** What may call macros: the node's SQL, or a generic test's name and arguments. */
function nodeText(node: ManifestNode): string {
  if (node.file) return node.file.raw;
  if (node.test) return `${node.test.testName}(${JSON.stringify(node.test.args)})`;
  return '';
}

function stripComments(text: string): string {
  return text.replace(/\{#[\s\S]*?#\}/g, ' ');
}

/** Every macro body by name (all packages': a name may resolve to any of them, so all count). */
function macroBodies(files: readonly MacroFile[]): Map<string, string[]> {
  const bodies = new Map<string, string[]>();
  for (const file of files) {
    for (const match of stripComments(file.raw).matchAll(MACRO_BLOCK)) {
      const name = match[1] === 'test' ? `test_${match[2]!}` : match[2]!;
      bodies.set(name, [...(bodies.get(name) ?? []), match[0]]);
    }
  }
  return bodies;
}

/**
 * The first macro reachable from `text` that reaches the database. Reachability
 * is by name, generously: any word naming a macro counts as a call, and a word
 * also reaches its dispatched (`default__`, `duckdb__`) and test (`test_`) forms.
 */
function dynamicMacro(text: string, macros: Map<string, string[]>): string | undefined {
  const seen = new Set<string>();
  const queue = [stripComments(text)];
  while (queue.length > 0) {
    for (const word of new Set(queue.pop()!.match(/[A-Za-z_]\w*/g) ?? [])) {
      for (const name of [word, `default__${word}`, `duckdb__${word}`, `test_${word}`]) {
        const bodies = macros.get(name);
        if (!bodies || seen.has(name)) continue;
        seen.add(name);
        for (const body of bodies) {
          if (DYNAMIC.test(body.replace(/^\{%[\s\S]*?%\}/, ''))) return name;
          queue.push(body);
        }
      }
    }
  }
  return undefined;
}
