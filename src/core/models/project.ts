import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, relative, sep } from 'node:path';
import type nunjucks from 'nunjucks';
import { ProjectConfigError, UnsupportedFeatureError } from './errors';
import type { TargetInfo } from './jinja/context';
import type { MacroFile } from './jinja/macros';
import { dispatchOrders, findPackages, type PackageLocation } from './packages';
import { parseSchemaFile, type SnapshotPatch } from './schema-yml';
import { locateKey } from './unsupported';
import type { ProjectFile, ResourcePatch, SourceTable } from './types';
import type { UnitTestSpec } from './unit-tests/spec';
import { asRecord, asStringList, DEFERRED_KEYS, readYamlFile, renderYamlValues } from './yaml-values';
import type { YamlCache } from './parse-cache';

/** A dbt project as read from disk, before any model is rendered. */
export interface DbtProject {
  root: string;
  name: string;
  profile: string;
  targetPath: string;
  /** Project-level vars (global ones and those scoped to this project). */
  vars: Record<string, unknown>;
  /** The `models:` block tree of dbt_project.yml. */
  modelsConfig: unknown;
  seedsConfig: unknown;
  testsConfig: unknown;
  onRunStart: string[];
  onRunEnd: string[];
  models: ProjectFile[];
  seeds: ProjectFile[];
  singularTests: ProjectFile[];
  macros: MacroFile[];
  modelPatches: Map<string, ResourcePatch>;
  seedPatches: Map<string, ResourcePatch>;
  sources: SourceTable[];
  /** `{% snapshot %}` blocks of snapshot-paths, one entry per block. */
  snapshots: ProjectFile[];
  /** `snapshots:` entries of YAML files: configs of SQL snapshots, or YAML snapshots (`relation:`). */
  snapshotPatches: Map<string, SnapshotPatch>;
  /** The `snapshots:` block tree of dbt_project.yml. */
  snapshotsConfig: unknown;
  /** `unit_tests:` entries of every schema file, in file order. */
  unitTests: UnitTestSpec[];
  projectFile: string;
  /** Installed and local packages, in load order. */
  packages: PackageLocation[];
  /** `models:` config trees of each package's own dbt_project.yml (applied before the root project's). */
  packageModelsConfig: Map<string, unknown>;
  /** The project's `dispatch:` search orders. */
  dispatch: Map<string, string[]>;
}

export interface ProjectLoadOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** --vars: visible while rendering dbt_project.yml. */
  cliVars: Record<string, unknown>;
  jinja: nunjucks.Environment;
  /** The `target` dbt_project.yml sees, from the profile it names (loaded once its name is known). */
  resolveTarget?: (profileName: string) => TargetInfo;
  /** Parsed YAML kept between runs (parse-cache.ts). */
  parseCache?: YamlCache;
  /** Sees what dbt_project.yml itself says, before the project's files are read (the runner may start DuckDB then). */
  onHead?: (head: ProjectHead) => void;
}

/** What dbt_project.yml alone says of a run: where its artifacts go and the hooks around it. */
export type ProjectHead = Pick<DbtProject, 'root' | 'name' | 'targetPath' | 'onRunStart' | 'onRunEnd'>;

export function loadProject(root: string, options: ProjectLoadOptions): DbtProject {
  const projectFile = join(root, 'dbt_project.yml');
  if (!existsSync(projectFile)) {
    throw new ProjectConfigError(
      `No dbt_project.yml in ${root}.`,
      undefined,
      'Open the folder that holds dbt_project.yml.',
    );
  }
  const raw = asRecord(readYamlFile(projectFile, options.parseCache));
  const render = (value: unknown, extra?: Record<string, unknown>) =>
    renderYamlValues(
      value,
      options.jinja,
      { env: options.env, vars: options.cliVars, ...(extra ? { extra } : {}) },
      projectFile,
    );
  // As in dbt: the name and profile first, then the rest with `target` of that profile.
  const head = asRecord(render({ name: raw.name, profile: raw.profile }));
  const name = typeof head.name === 'string' ? head.name : undefined;
  if (!name) throw new ProjectConfigError("dbt_project.yml has no 'name'.", { file: projectFile, line: 1 });
  const profile = typeof head.profile === 'string' ? head.profile : name;
  const target = options.resolveTarget?.(profile);
  const doc = asRecord(render(raw, target ? { target } : undefined));
  const stated: ProjectHead = {
    root,
    name,
    targetPath: typeof doc['target-path'] === 'string' ? doc['target-path'] : 'target',
    onRunStart: asStringList(doc['on-run-start']),
    onRunEnd: asStringList(doc['on-run-end']),
  };
  options.onHead?.(stated);
  const paths = (key: string, fallback: string) => (doc[key] === undefined ? [fallback] : asStringList(doc[key]));
  const modelPaths = paths('model-paths', 'models');
  const seedPaths = paths('seed-paths', 'seeds');
  const macroPaths = paths('macro-paths', 'macros');
  const testPaths = paths('test-paths', 'tests');

  if (doc.unit_tests !== undefined) {
    // Folder-level unit test configs (enabled, tags, meta) are not applied yet: refused, not ignored.
    throw new UnsupportedFeatureError(
      "Unit test configs in dbt_project.yml ('unit_tests:')",
      locateKey([projectFile], 'unit_tests'),
      "set 'config:' on each unit test instead",
    );
  }
  const packages = findPackages(root, options.parseCache);

  const allVars = asRecord(doc.vars);
  const vars: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(allVars)) {
    // `vars: {my_project: {...}}` scopes vars to a project; the rest are global.
    if (key === name && value && typeof value === 'object' && !Array.isArray(value)) Object.assign(vars, value);
    else vars[key] = value;
  }

  const models = collect(root, modelPaths, ['.sql', '.py']);
  const python = models.find((m) => m.path.endsWith('.py'));
  if (python) {
    throw new UnsupportedFeatureError(
      'A Python model',
      { file: python.path, line: 1 },
      `${python.relativePath} is a Python model`,
    );
  }
  const snapshotPaths = paths('snapshot-paths', 'snapshots');
  const snapshots = collect(root, snapshotPaths, ['.sql']).flatMap(snapshotBlocks);
  const seeds = collect(root, seedPaths, ['.csv']);
  // As dbt: <test-path>/generic holds generic test definitions (macros), <test-path>/fixtures unit test fixtures.
  const isSingularTest = (f: ProjectFile) => !['generic', 'fixtures'].includes(f.resourcePath.split('/')[0]!);
  const singularTests = collect(root, testPaths, ['.sql']).filter(isSingularTest);
  const fixtures = new Map<string, string>();
  for (const f of collect(
    root,
    testPaths.map((p) => join(p, 'fixtures')),
    ['.csv', '.sql'],
  )) {
    fixtures.set(f.name, f.path);
  }
  const genericTestPaths = testPaths.map((p) => join(p, 'generic'));
  const macros: MacroFile[] = collect(root, [...macroPaths, ...genericTestPaths], ['.sql']).map((f) => ({
    path: f.path,
    relativePath: f.relativePath,
    raw: f.raw,
  }));
  const packageModelsConfig = new Map<string, unknown>();
  const yamlFiles: string[] = [];
  for (const pkg of packages) {
    const pkgPaths = (key: string, fallback: string) =>
      pkg.project[key] === undefined ? [fallback] : asStringList(pkg.project[key]);
    const inPackage = (f: ProjectFile): ProjectFile => ({
      ...f,
      relativePath: relative(root, f.path).split(sep).join('/'),
      packageName: pkg.name,
    });
    for (const f of collect(pkg.root, pkgPaths('macro-paths', 'macros'), ['.sql'])) {
      macros.push({ path: f.path, relativePath: inPackage(f).relativePath, raw: f.raw, packageName: pkg.name });
    }
    models.push(...collect(pkg.root, pkgPaths('model-paths', 'models'), ['.sql']).map(inPackage));
    // A package's snapshots would run under `dbt snapshot`; refused until the runner loads them.
    const packageSnapshot = collect(pkg.root, pkgPaths('snapshot-paths', 'snapshots'), ['.sql']).flatMap(
      snapshotBlocks,
    )[0];
    if (packageSnapshot) {
      throw new UnsupportedFeatureError(
        "A package's snapshots",
        { file: packageSnapshot.path, line: packageSnapshot.line ?? 1 },
        `package ${pkg.name} defines ${packageSnapshot.name}`,
      );
    }
    yamlFiles.push(...collectPaths(pkg.root, pkgPaths('model-paths', 'models'), ['.yml', '.yaml']));
    packageModelsConfig.set(pkg.name, pkg.project.models);
  }

  // As dbt's SchemaYamlRenderer: properties files are rendered with target, var and env_var, except
  // descriptions, hooks and test arguments (rendered later, in the test's own context); a test's
  // `config:` is rendered now (`enabled: "{{ target.type == 'duckdb' }}"`). Unit tests stay as written.
  const schemaContext = {
    env: options.env,
    vars: { ...vars, ...options.cliVars },
    ...(target ? { extra: { target } } : {}),
  };
  const renderSchemaYaml = (value: unknown, file: string): unknown => {
    // Only the sections the runner reads: semantic models, metrics and saved queries hold Jinja of
    // their own (`{{ Dimension('x') }}`) that dbt does not render while parsing either.
    const doc = asRecord(value);
    const rendered: Record<string, unknown> = { ...doc };
    for (const section of RENDERED_SECTIONS)
      if (doc[section] !== undefined)
        rendered[section] = renderYamlValues(doc[section], options.jinja, schemaContext, file, SCHEMA_NORENDER_KEYS);
    const renderTestConfigs = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(renderTestConfigs);
      if (!node || typeof node !== 'object') return;
      for (const [key, child] of Object.entries(node as Record<string, unknown>)) {
        if ((key === 'tests' || key === 'data_tests') && Array.isArray(child)) {
          for (const test of child) {
            // `{test_name: …, config: …}` holds its config at the top; `{unique: {config: …}}` in its body.
            const bodies = typeof asRecord(test).test_name === 'string' ? [test] : Object.values(asRecord(test));
            for (const body of bodies) {
              const spec = asRecord(body);
              if (spec.config !== undefined)
                spec.config = renderYamlValues(spec.config, options.jinja, schemaContext, file);
            }
          }
        } else renderTestConfigs(child);
      }
    };
    renderTestConfigs(rendered);
    return rendered;
  };
  const modelPatches = new Map<string, ResourcePatch>();
  const seedPatches = new Map<string, ResourcePatch>();
  const snapshotPatches = new Map<string, SnapshotPatch>();
  const sources: SourceTable[] = [];
  const unitTests: UnitTestSpec[] = [];
  for (const file of [
    ...collectPaths(root, [...new Set([...modelPaths, ...seedPaths, ...snapshotPaths])], ['.yml', '.yaml']),
    ...yamlFiles,
  ]) {
    const contents = parseSchemaFile(renderSchemaYaml(readYamlFile(file, options.parseCache), file), file, fixtures);
    for (const patch of contents.models) {
      const other = modelPatches.get(patch.name);
      if (other) {
        throw new ProjectConfigError(`Model '${patch.name}' is described twice (also in ${other.file}).`, {
          file,
          line: 1,
        });
      }
      modelPatches.set(patch.name, patch);
    }
    for (const patch of contents.seeds) seedPatches.set(patch.name, patch);
    for (const patch of contents.snapshots) {
      if (snapshotPatches.has(patch.name)) {
        throw new ProjectConfigError(`Snapshot '${patch.name}' is described twice.`, patch.location);
      }
      snapshotPatches.set(patch.name, patch);
    }
    sources.push(...contents.sources);
    unitTests.push(...contents.unitTests);
  }

  return {
    ...stated,
    profile,
    vars,
    modelsConfig: doc.models,
    seedsConfig: doc.seeds,
    testsConfig: doc.data_tests ?? doc.tests,
    models,
    seeds,
    singularTests,
    macros,
    modelPatches,
    seedPatches,
    sources,
    snapshots,
    snapshotPatches,
    snapshotsConfig: doc.snapshots,
    unitTests,
    projectFile,
    packages,
    packageModelsConfig,
    dispatch: dispatchOrders(doc.dispatch, projectFile),
  };
}

/**
 * The `{% snapshot name %} ... {% endsnapshot %}` blocks of a snapshot file, each as its own
 * file-like node whose text is the block's body, kept on its original lines (so errors
 * point where the user wrote them); text outside the blocks is not part of any snapshot.
 */
function snapshotBlocks(file: ProjectFile): ProjectFile[] {
  const out: ProjectFile[] = [];
  const open = /\{%-?\s*snapshot\s+([A-Za-z_][A-Za-z0-9_]*)\s*-?%\}/g;
  const close = /\{%-?\s*endsnapshot\s*-?%\}/g;
  for (let match = open.exec(file.raw); match; match = open.exec(file.raw)) {
    const start = match.index + match[0].length;
    close.lastIndex = start;
    const end = close.exec(file.raw);
    const line = file.raw.slice(0, match.index).split('\n').length;
    if (!end) {
      throw new ProjectConfigError(`The snapshot '${match[1]}' has no {% endsnapshot %}.`, { file: file.path, line });
    }
    const before = file.raw.slice(0, start).split('\n').length - 1;
    out.push({ ...file, name: match[1]!, raw: '\n'.repeat(before) + file.raw.slice(start, end.index), line });
    open.lastIndex = end.index + end[0].length;
  }
  return out;
}

function collect(root: string, folders: readonly string[], extensions: readonly string[]): ProjectFile[] {
  const files: ProjectFile[] = [];
  for (const folder of folders) {
    const base = join(root, folder);
    for (const path of walk(base)) {
      if (!extensions.includes(extname(path))) continue;
      const resourcePath = relative(base, path).split(sep).join('/');
      files.push({
        path,
        relativePath: relative(root, path).split(sep).join('/'),
        resourcePath,
        fqnFolders: resourcePath.split('/').slice(0, -1),
        name: basename(path, extname(path)),
        raw: readFileSync(path, 'utf8'),
      });
    }
  }
  return files;
}

function collectPaths(root: string, folders: readonly string[], extensions: readonly string[]): string[] {
  return folders.flatMap((folder) => walk(join(root, folder)).filter((p) => extensions.includes(extname(p))));
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    if (entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else out.push(path);
  }
  return out;
}

const RENDERED_SECTIONS = ['models', 'seeds', 'snapshots', 'sources'];

const SCHEMA_NORENDER_KEYS = new Set([
  ...DEFERRED_KEYS,
  'description',
  'loaded_at_query',
  'tests',
  'data_tests',
  'unit_tests',
]);
