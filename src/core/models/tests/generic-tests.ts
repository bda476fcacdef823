import { createHash } from 'node:crypto';
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
    isSource: boolean,
    column: string | undefined,
    spec: ColumnTestSpec,
    file: string,
  ) => {
    const { full: baseName, short } = testName(spec, label, column, isSource);
    let name = baseName;
    for (let i = 2; used.has(name); i++) name = `${baseName}_${i}`;
    used.add(name);
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
      uniqueId: `test.${project.name}.${name}`,
      resourceType: 'test',
      name,
      config,
      dependsOn: [...dependsOn],
      fqn: [project.name, name],
      test: { testName: spec.name, attachedTo, args: spec.args, file, fileStem: name === baseName ? short : name },
    };
    if (column !== undefined) test.test!.column = column;
    out.push(test);
  };

  for (const node of nodes.values()) {
    if (node.resourceType !== 'model' && node.resourceType !== 'seed') continue;
    const patch =
      node.resourceType === 'model' ? project.modelPatches.get(node.name) : project.seedPatches.get(node.name);
    if (!patch) continue;
    for (const spec of patch.tests) add(node.uniqueId, node.name, false, undefined, spec, patch.file);
    for (const column of patch.columns) {
      for (const spec of column.tests) add(node.uniqueId, node.name, false, column.name, spec, patch.file);
    }
  }
  for (const source of sources.values()) {
    const label = `${source.table.sourceName}_${source.table.name}`;
    for (const spec of source.table.tests) add(source.uniqueId, label, true, undefined, spec, source.table.file);
    for (const column of source.table.columns) {
      for (const spec of column.tests) add(source.uniqueId, label, true, column.name, spec, source.table.file);
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
    .map((value) => pythonStr(value).replace(/[^A-Za-z0-9_]+/g, '_'));
  const identifier = `${isSource ? 'source_' : ''}${bare}_${label}`;
  const full = `${identifier}_${argParts.join('__')}`;
  const short = full.length >= 64 ? `${identifier.slice(0, 30)}_${createHash('md5').update(full).digest('hex')}` : full;
  return { full, short };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pythonStr(value: unknown): string {
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value === null || value === undefined) return 'None';
  return String(value);
}
