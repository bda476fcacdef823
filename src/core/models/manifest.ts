import type nunjucks from 'nunjucks';
import { ModelCompileError, ProjectConfigError, type SourceLocation } from './errors';
import { DependencyGraph } from './graph';
import {
  buildContext,
  RenderPass,
  TemplateRaise,
  type NodeScope,
  type ProjectServices,
  type TargetInfo,
} from './jinja/context';
import { cleanTemplateMessage, compileProjectTemplate, MacroLibrary } from './jinja/macros';
import { renderTemplate } from './jinja/render';
import { emptyConfig, folderConfig, mergeConfig } from './node-config';
import type { DbtProject } from './project';
import { Relation } from './relation';
import { buildGenericTests } from './tests/generic-tests';
import { buildUnitTestNodes } from './unit-tests/nodes';
import { snapshotSettings } from './snapshots/settings';
import { relative, sep } from 'node:path';
import { renderExternalLocation } from './external-source';
import { contractEnforced } from './materializations/contract';
import { refuseUnsupportedConfig } from './unsupported';
import type { ManifestNode, NodeConfig, ProjectFile, RelationName, SourceTable } from './types';
import { cooperativeYield } from '../util/cooperative';

/** A source table as a graph node (never run; models and tests depend on it). */
export interface SourceNode {
  uniqueId: string;
  table: SourceTable;
  relation: RelationName;
  /** What source() renders for a dbt-duckdb `external_location` source (not a table of any catalog). */
  external?: string;
}

/** The parsed project: every node with its config, relation and dependencies. */
export interface Manifest {
  project: DbtProject;
  target: TargetInfo;
  nodes: Map<string, ManifestNode>;
  sources: Map<string, SourceNode>;
  graph: DependencyGraph;
  templates: Map<string, nunjucks.Template>;
  macros: MacroLibrary;
  jinja: nunjucks.Environment;
  /** Tests keyed by the node they test (for `dbt build` ordering and indirect selection). */
  testsByNode: Map<string, string[]>;
}

export interface ManifestInputs {
  project: DbtProject;
  target: TargetInfo;
  jinja: nunjucks.Environment;
  /** Project vars overlaid with --vars. */
  vars: Record<string, unknown>;
  env: Readonly<Record<string, string | undefined>>;
  invocationId: string;
  runStartedAt: Date;
  fullRefresh: boolean;
}

/**
 * Parses the project the way `dbt parse` does: renders every model and
 * singular test once with `execute = false` to find its `ref()`s, `source()`s
 * and `config()`, resolves relation names (generate_schema_name and friends),
 * and builds the dependency graph.
 */
export async function buildManifest(inputs: ManifestInputs): Promise<Manifest> {
  const { project, target, jinja } = inputs;
  // DuckDB may be starting on its own thread meanwhile (run-connection.ts): it gets a turn between files.
  const pause = cooperativeYield();
  const macros = MacroLibrary.load(jinja, project.macros);
  const nodes = new Map<string, ManifestNode>();
  const sources = new Map<string, SourceNode>();
  const templates = new Map<string, nunjucks.Template>();
  const nodeByName = new Map<string, string>();

  for (const table of project.sources) {
    const uniqueId = `source.${project.name}.${table.sourceName}.${table.name}`;
    const database = table.database ?? target.database;
    const source: SourceNode = {
      uniqueId,
      table,
      relation: { database, schema: table.schema, identifier: table.identifier },
    };
    if (table.external) source.external = renderExternalLocation(table, table.external, database);
    sources.set(uniqueId, source);
  }

  const services = makeServices(inputs, macros, nodes, sources, nodeByName);

  // Names first: a ref may point at a model parsed later.
  for (const seed of project.seeds) nodeByName.set(seed.name, `seed.${project.name}.${seed.name}`);
  const snapshotFiles = snapshotNodesFiles(project);
  for (const snap of snapshotFiles) nodeByName.set(snap.name, `snapshot.${project.name}.${snap.name}`);
  for (const model of project.models) {
    if (!nodeByName.has(model.name))
      nodeByName.set(model.name, `model.${model.packageName ?? project.name}.${model.name}`);
  }

  for (const seed of project.seeds) {
    const uniqueId = `seed.${project.name}.${seed.name}`;
    const fqn = [project.name, ...seed.fqnFolders, seed.name];
    let config = levels(emptyConfig(), folderConfig(project.seedsConfig, fqn));
    const patch = project.seedPatches.get(seed.name);
    if (patch) config = mergeConfig(config, patch.config);
    config.materialized = 'seed';
    if (!config.enabled) continue;
    refuseUnsupportedConfig({ name: seed.name, config }, [seed.path, patch?.file, project.projectFile]);
    const node: ManifestNode = {
      uniqueId,
      resourceType: 'seed',
      name: seed.name,
      file: seed,
      config,
      dependsOn: [],
      fqn,
    };
    node.relation = await resolveRelationName(services, node);
    nodes.set(uniqueId, node);
  }

  // Two model files may share a name when at most one is enabled (dbt checks names after configs).
  const unparsed = new Map<string, number>();
  for (const model of project.models) unparsed.set(model.name, (unparsed.get(model.name) ?? 0) + 1);
  const enabledFiles = new Map<string, ProjectFile>();
  const disabledModels = new Set<string>();
  for (const model of project.models) {
    await pause();
    unparsed.set(model.name, unparsed.get(model.name)! - 1);
    const pkg = model.packageName ?? project.name;
    const uniqueId = `model.${pkg}.${model.name}`;
    const fqn = [pkg, ...model.fqnFolders, model.name];
    const template = compileFile(jinja, model);
    // A package's own dbt_project.yml configs first, then the root project's (which win).
    let config = levels(emptyConfig(), [
      ...(model.packageName ? folderConfig(project.packageModelsConfig.get(pkg), fqn) : []),
      ...folderConfig(project.modelsConfig, fqn),
    ]);
    const patch = project.modelPatches.get(model.name);
    if (patch) config = mergeConfig(config, patch.config);
    const node: ManifestNode = {
      uniqueId,
      resourceType: 'model',
      name: model.name,
      file: model,
      config,
      dependsOn: [],
      fqn,
    };
    const pass = await parseRender(services, template, node);
    for (const call of pass.configCalls) node.config = mergeConfig(node.config, call);
    if (!node.config.enabled) {
      disabledModels.add(model.name);
      if (unparsed.get(model.name) === 0 && !enabledFiles.has(model.name)) nodeByName.delete(model.name);
      continue;
    }
    const twin = enabledFiles.get(model.name);
    if (twin) {
      throw new ModelCompileError(
        `Two enabled models are named '${model.name}': ${twin.relativePath} and ${model.relativePath}.`,
        { file: model.path, line: 1 },
        'Model names must be unique among enabled models; disable or rename one.',
      );
    }
    enabledFiles.set(model.name, model);
    node.config.materialized ??= 'view';
    refuseUnsupportedConfig(node, [model.path, patch?.file, project.projectFile]);
    if (contractEnforced(node.config)) {
      const onSchemaChange = String(node.config.on_schema_change ?? 'ignore');
      // dbt refuses this while parsing (the whole run stops), in these words.
      if (
        node.config.materialized === 'incremental' &&
        onSchemaChange !== 'append_new_columns' &&
        onSchemaChange !== 'fail'
      )
        throw new ProjectConfigError(
          `Invalid value for on_schema_change: ${onSchemaChange}. Models materialized as incremental with contracts enabled must set on_schema_change to 'append_new_columns' or 'fail'`,
          patch ? { file: patch.file, line: 1 } : { file: model.path, line: 1 },
          `Set on_schema_change to 'fail' or 'append_new_columns' for ${model.name}.`,
        );
      node.contract = { columns: patch?.columns ?? [], constraints: patch?.constraints ?? [] };
      if (patch) node.contract.file = patch.file;
    }
    node.dependsOn = dependencies(pass, services, node);
    node.relation = await resolveRelationName(services, node);
    nodes.set(uniqueId, node);
    templates.set(uniqueId, template);
  }

  // Snapshots: rendered like models (refs, config()), built by the snapshot materialization.
  for (const snap of snapshotFiles) {
    await pause();
    const uniqueId = `snapshot.${project.name}.${snap.name}`;
    const fqn = [project.name, ...snap.fqnFolders, snap.name];
    const template = compileFile(jinja, snap);
    const patch = project.snapshotPatches.get(snap.name);
    let config = levels(emptyConfig(), folderConfig(project.snapshotsConfig, fqn));
    if (patch) config = mergeConfig(config, patch.config);
    const node: ManifestNode = {
      uniqueId,
      resourceType: 'snapshot',
      name: snap.name,
      file: snap,
      config,
      dependsOn: [],
      fqn,
      configFiles: [snap.path, ...(patch ? [patch.location.file] : []), project.projectFile],
    };
    const pass = await parseRender(services, template, node);
    for (const call of pass.configCalls) node.config = mergeConfig(node.config, call);
    if (!node.config.enabled) {
      nodeByName.delete(snap.name);
      continue;
    }
    node.config.materialized = 'snapshot';
    refuseUnsupportedConfig(node, node.configFiles!);
    snapshotSettings(node);
    node.dependsOn = dependencies(pass, services, node);
    // dbt < 1.9 snapshots name their schema outright (target_schema), without generate_schema_name.
    node.relation =
      typeof node.config.target_schema === 'string'
        ? {
            database: String(node.config.target_database ?? target.database),
            schema: node.config.target_schema,
            identifier: String(node.config.alias ?? node.name),
          }
        : await resolveRelationName(services, node);
    nodes.set(uniqueId, node);
    templates.set(uniqueId, template);
  }

  for (const test of project.singularTests) {
    await pause();
    const uniqueId = `test.${project.name}.${test.name}`;
    const fqn = [project.name, ...test.fqnFolders, test.name];
    const template = compileFile(jinja, test);
    let config = levels(emptyConfig(), folderConfig(project.testsConfig, fqn));
    config = mergeConfig(config, { severity: 'error' });
    const node: ManifestNode = {
      uniqueId,
      resourceType: 'test',
      name: test.name,
      file: test,
      config,
      dependsOn: [],
      fqn,
    };
    const pass = await parseRender(services, template, node);
    for (const call of pass.configCalls) node.config = mergeConfig(node.config, call);
    if (!node.config.enabled) continue;
    refuseUnsupportedConfig(node, [test.path, project.projectFile]);
    node.dependsOn = dependencies(pass, services, node);
    nodes.set(uniqueId, node);
    templates.set(uniqueId, template);
  }

  const testsByNode = new Map<string, string[]>();
  for (const test of buildGenericTests(project, nodes, sources, nodeByName)) {
    refuseUnsupportedConfig(test, [test.test?.file, project.projectFile]);
    nodes.set(test.uniqueId, test);
  }

  for (const unitTest of buildUnitTestNodes(project, nodes, sources, nodeByName, disabledModels)) {
    nodes.set(unitTest.uniqueId, unitTest);
  }

  for (const node of nodes.values()) {
    const missing = node.dependsOn.find((id) => !nodes.has(id) && !sources.has(id));
    if (missing) {
      throw new ModelCompileError(
        `${node.name} depends on '${missing.split('.').pop()}', which is disabled.`,
        node.file ? { file: node.file.path, line: 1 } : node.test ? { file: node.test.file, line: 1 } : undefined,
        'Enable it or remove the ref().',
      );
    }
  }

  const graph = new DependencyGraph();
  for (const id of sources.keys()) graph.addNode(id);
  for (const node of nodes.values()) graph.addNode(node.uniqueId);
  for (const node of nodes.values()) {
    for (const parent of node.dependsOn) graph.addEdge(parent, node.uniqueId);
    if (node.resourceType === 'test') {
      // Unit tests stay out: they run before their model, never gate its children directly.
      for (const parent of node.dependsOn) {
        const list = testsByNode.get(parent) ?? [];
        list.push(node.uniqueId);
        testsByNode.set(parent, list);
      }
    }
  }
  graph.topologicalOrder((id) => {
    const node = nodes.get(id);
    return node?.file ? { name: node.name, file: node.file.path } : { name: node?.name ?? id };
  });

  return { project, target, nodes, sources, graph, templates, macros, jinja, testsByNode };
}

/** `{% snapshot %}` blocks, then YAML snapshots (`relation:`) as if written `select * from {{ relation }}`. */
function snapshotNodesFiles(project: DbtProject): ProjectFile[] {
  const files = [...project.snapshots];
  for (const patch of project.snapshotPatches.values()) {
    if (patch.relation === undefined) {
      if (!files.some((f) => f.name === patch.name)) {
        throw new ModelCompileError(
          `Snapshot '${patch.name}' has no relation: and no {% snapshot ${patch.name} %} block.`,
          patch.location,
          "Add `relation: ref('...')` to the YAML entry, or write the snapshot block.",
        );
      }
      continue;
    }
    const relativePath = relative(project.root, patch.location.file).split(sep).join('/');
    files.push({
      path: patch.location.file,
      relativePath,
      resourcePath: relativePath,
      fqnFolders: [],
      name: patch.name,
      raw: `${'\n'.repeat(patch.location.line - 1)}select * from {{ ${patch.relation} }}`,
      line: patch.location.line,
    });
  }
  const seen = new Map<string, ProjectFile>();
  for (const file of files) {
    const twin = seen.get(file.name);
    if (twin) {
      throw new ModelCompileError(
        `Two snapshots are named '${file.name}': ${twin.relativePath} and ${file.relativePath}.`,
        { file: file.path, line: file.line ?? 1 },
      );
    }
    seen.set(file.name, file);
  }
  return files;
}

function levels(base: NodeConfig, blocks: Record<string, unknown>[]): NodeConfig {
  return blocks.reduce<NodeConfig>((config, block) => mergeConfig(config, block), base);
}

function compileFile(jinja: nunjucks.Environment, file: ProjectFile): nunjucks.Template {
  return compileProjectTemplate(jinja, file.raw, file);
}

/** The Jinja scope of a node while the project is parsed: nothing executes, nothing is incremental yet. */
function parseScope(services: ProjectServices, node: ManifestNode): NodeScope {
  const scope: NodeScope = {
    uniqueId: node.uniqueId,
    name: node.name,
    resourceType: node.resourceType,
    config: node.config,
    relation: new Relation(services.target.database, services.target.schema, node.name),
    isIncremental: false,
    execute: false,
  };
  if (node.file) scope.path = node.file.path;
  return scope;
}

async function parseRender(
  services: ProjectServices,
  template: nunjucks.Template,
  node: ManifestNode,
): Promise<RenderPass> {
  const scope = parseScope(services, node);
  const { pass } = await renderTemplate({ template, services, scope });
  return pass;
}

function dependencies(pass: RenderPass, services: ParseServices, node: ManifestNode): string[] {
  const ids = new Set<string>();
  for (const ref of pass.refs) {
    const id = services.nodeIdByName(ref.name);
    if (id) ids.add(id);
  }
  for (const source of pass.sources) ids.add(`source.${services.projectName}.${source.sourceName}.${source.tableName}`);
  ids.delete(node.uniqueId);
  return [...ids];
}

interface ParseServices extends ProjectServices {
  nodeIdByName(name: string): string | undefined;
}

/** The services a render gets; ref/source resolve against the manifest as it fills. */
export function makeServices(
  inputs: Pick<ManifestInputs, 'project' | 'target' | 'vars' | 'env' | 'invocationId' | 'runStartedAt' | 'fullRefresh'>,
  macros: MacroLibrary,
  nodes: Map<string, ManifestNode>,
  sources: Map<string, SourceNode>,
  nodeByName: Map<string, string>,
): ParseServices {
  const { project } = inputs;
  return {
    projectName: project.name,
    target: inputs.target,
    lookupVar: (name) => (name in inputs.vars ? { found: true, value: inputs.vars[name] } : { found: false }),
    env: inputs.env,
    macros,
    invocationId: inputs.invocationId,
    runStartedAt: inputs.runStartedAt,
    fullRefresh: inputs.fullRefresh,
    dispatchOrders: project.dispatch,
    packageNames: project.packages.map((p) => p.name),
    nodeIdByName: (name) => nodeByName.get(name),
    resolveRef: (name, packageName, from) => {
      const id = nodeByName.get(name);
      if (packageName !== undefined && id !== undefined && id.split('.')[1] !== packageName) {
        throw new TemplateRaise(
          `${from.name} depends on a node named '${name}' in package '${packageName}' which was not found.`,
          `'${name}' is in package '${id.split('.')[1]}'.`,
        );
      }
      if (!id) {
        throw new TemplateRaise(
          `${from.name} depends on a node named '${name}' which was not found.`,
          `Check the name in ref('${name}'); models are: ${[...nodeByName.keys()].sort().slice(0, 20).join(', ')}.`,
        );
      }
      const node = nodes.get(id);
      const from_ = nodes.get(from.uniqueId);
      if (
        from.execute &&
        from_ &&
        from_.resourceType !== 'test' &&
        !from_.dependsOn.includes(id) &&
        id !== from.uniqueId
      ) {
        // As dbt: a ref() the parse did not see (inside `{% if execute %}` or `is_incremental()`) would run out of order.
        throw new TemplateRaise(
          `dbt was unable to infer all dependencies for the model "${from.name}": ref('${name}') sits in a block the parse did not render.`,
          `Add the hint "-- depends_on: {{ ref('${name}') }}" at the top of the model.`,
        );
      }
      if (!node?.relation) return new Relation(inputs.target.database, inputs.target.schema, name);
      if (node.config.materialized === 'ephemeral')
        return new Relation(undefined, undefined, `__dbt__cte__${node.name}`, 'cte');
      return Relation.from(node.relation, node.config.materialized === 'view' ? 'view' : 'table');
    },
    resolveSource: (sourceName, tableName, from) => {
      const source = sources.get(`source.${project.name}.${sourceName}.${tableName}`);
      if (!source) {
        throw new TemplateRaise(
          `${from.name} uses source('${sourceName}', '${tableName}'), which no schema.yml declares.`,
          `Declare it under 'sources:' in a .yml file in the model paths.`,
        );
      }
      if (source.external !== undefined) {
        const { database, schema, identifier } = source.relation;
        return new Relation(database, schema, identifier, 'external', source.external);
      }
      return Relation.from(source.relation, 'table');
    },
  };
}

/** database / schema / identifier from generate_database_name, generate_schema_name, generate_alias_name. */
async function resolveRelationName(services: ProjectServices, node: ManifestNode): Promise<RelationName> {
  const scope = parseScope(services, node);
  const ctx = buildContext(services, scope, new RenderPass(undefined));
  const nodeInfo = {
    name: node.name,
    unique_id: node.uniqueId,
    resource_type: node.resourceType,
    fqn: node.fqn,
    config: node.config,
    original_file_path: node.file?.relativePath,
  };
  const call = (macro: string, arg: unknown): string => {
    const fn = ctx[macro] as (...args: unknown[]) => unknown;
    try {
      return String(fn(arg ?? null, nodeInfo) ?? '').trim();
    } catch (error) {
      const location: SourceLocation | undefined = node.file ? { file: node.file.path, line: 1 } : undefined;
      throw new ModelCompileError(`${macro} failed for ${node.name}: ${cleanTemplateMessage(error)}`, location);
    }
  };
  return {
    database: call('generate_database_name', node.config.database),
    schema: call('generate_schema_name', node.config.schema),
    identifier: call('generate_alias_name', node.config.alias),
  };
}
