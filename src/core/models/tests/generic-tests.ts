import { createHash } from 'node:crypto';
import { pyRepr, pyStr } from '../jinja/py-values';
import { emptyConfig, mergeConfig } from '../node-config';
import type { DbtProject } from '../project';
import type { ColumnTestSpec, ManifestNode } from '../types';
import type { SourceNode } from '../manifest';

const REF_IN_ARG = /\bref\(\s*['"]([^'"]+)['"]\s*\)/g;
const SOURCE_IN_ARG = /\bsource\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]\s*\)/g;

/**
 * The generic tests declared in schema.yml files (column and model level, on
 * models, seeds and sources), as test nodes depending on what they test and
 * on whatever their arguments `ref()` (relationships' `to`).
 */
export function buildGenericTests(
  project: DbtProject,
  nodes: Map<string, ManifestNode>,
  sources: Map<string, SourceNode>,
  nodeByName: Map<string, string>,
): ManifestNode[] {
  const out: ManifestNode[] = [];
  const used = new Set<string>();
  const add = (
    attachedTo: string,
    label: string,
    target: string,
    column: string | undefined,
    spec: ColumnTestSpec,
    file: string,
  ) => {
    const isSource = target.startsWith('source(');
    const { full: name, short } = testName(spec, label, column, isSource);
    // dbt's unique id: the name and a hash of the test's metadata, so two tests of one name (the
    // same arguments printed alike, other configs) stay apart. Only an exact twin, which dbt refuses,
    // gets a counter here.
    const base = `test.${project.name}.${name}.${testHash(name, spec, target, column)}`;
    let uniqueId = base;
    for (let i = 2; used.has(uniqueId); i++) uniqueId = `${base}.${i}`;
    used.add(uniqueId);
    const dependsOn = new Set([attachedTo]);
    for (const value of Object.values(spec.args)) {
      if (typeof value !== 'string') continue;
      for (const m of value.matchAll(REF_IN_ARG)) {
        const id = nodeByName.get(m[1]!);
        if (id) dependsOn.add(id);
      }
      for (const m of value.matchAll(SOURCE_IN_ARG)) dependsOn.add(`source.${project.name}.${m[1]}.${m[2]}`);
    }
    let config = mergeConfig(emptyConfig(), { severity: 'error' });
    config = mergeConfig(config, spec.config);
    if (!config.enabled) return;
    const test: ManifestNode = {
      uniqueId,
      resourceType: 'test',
      name,
      config,
      dependsOn: [...dependsOn],
      fqn: [project.name, name],
      test: { testName: spec.name, attachedTo, args: spec.args, file, fileStem: short },
    };
    if (column !== undefined) test.test!.column = column;
    out.push(test);
  };

  for (const node of nodes.values()) {
    if (node.resourceType !== 'model' && node.resourceType !== 'seed') continue;
    const patch =
      node.resourceType === 'model' ? project.modelPatches.get(node.name) : project.seedPatches.get(node.name);
    if (!patch) continue;
    const target = `ref('${node.name}')`;
    for (const spec of patch.tests) add(node.uniqueId, node.name, target, undefined, spec, patch.file);
    for (const column of patch.columns) {
      for (const spec of column.tests) add(node.uniqueId, node.name, target, column.name, spec, patch.file);
    }
  }
  for (const source of sources.values()) {
    const label = `${source.table.sourceName}_${source.table.name}`;
    const target = `source('${source.table.sourceName}', '${source.table.name}')`;
    for (const spec of source.table.tests) add(source.uniqueId, label, target, undefined, spec, source.table.file);
    for (const column of source.table.columns) {
      for (const spec of column.tests) add(source.uniqueId, label, target, column.name, spec, source.table.file);
    }
  }
  return out;
}

/**
 * dbt's names (synthesize_generic_test_names): `<test>_<model>_` then the arguments (column_name
 * among them) sorted by name, dict and list values flattened, printed the Python way, non-word runs
 * as `_`, joined by `__`; never cut. The compiled file takes the short form dbt gives it: under 64
 * characters as is, else the first 30 characters of `<test>_<model>` and an MD5 of the full name.
 */
function testName(
  spec: ColumnTestSpec,
  label: string,
  column: string | undefined,
  isSource: boolean,
): { full: string; short: string } {
  if (typeof spec.config.name === 'string') return { full: spec.config.name, short: spec.config.name };
  // dbt names a package's test `<package>_<test>_...`.
  const bare = spec.name.replace('.', '_');
  const args: Record<string, unknown> = { ...spec.args };
  delete args.model;
  if (column !== undefined) args.column_name = column;
  const argParts = Object.entries(args)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([, value]) => (Array.isArray(value) ? value : isPlainObject(value) ? Object.values(value) : [value]))
    .map((value) => pyStr(value).replace(/[^A-Za-z0-9_]+/g, '_'));
  const identifier = `${isSource ? 'source_' : ''}${bare}_${label}`;
  const full = `${identifier}_${argParts.join('__')}`;
  const short = full.length >= 64 ? `${identifier.slice(0, 30)}_${createHash('md5').update(full).digest('hex')}` : full;
  return { full, short };
}

/**
 * The hash in dbt's unique id of a generic test (SchemaGenericTestParser.create_test_node): the last
 * 10 hex digits of the MD5 of its name and the Python repr of its metadata — namespace, name and
 * keyword arguments as written (column_name and dbt's `model` string among them), dict keys sorted,
 * every scalar as Python's str().
 */
function testHash(name: string, spec: ColumnTestSpec, target: string, column: string | undefined): string {
  const dot = spec.name.indexOf('.');
  const kwargs: Record<string, unknown> = { ...spec.args };
  if (column !== undefined) kwargs.column_name = column;
  kwargs.model = `{{ get_where_subquery(${target}) }}`;
  const metadata = {
    namespace: dot >= 0 ? spec.name.slice(0, dot) : null,
    name: dot >= 0 ? spec.name.slice(dot + 1) : spec.name,
    kwargs,
  };
  const hashable = (value: unknown): unknown => {
    if (isPlainObject(value)) {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value).sort(pythonOrder)) out[key] = hashable(value[key]);
      return out;
    }
    return Array.isArray(value) ? value.map(hashable) : pyStr(value ?? null);
  };
  return createHash('md5')
    .update(name + pyRepr(hashable(metadata)))
    .digest('hex')
    .slice(-10);
}

/** Python's default string order (code points), not the locale's. */
function pythonOrder(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
