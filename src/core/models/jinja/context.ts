import { DATETIME_MODULE, PyDateTime } from './py-datetime';
import { isKeywordArgs } from './python-compat';
import { pyIterate, pyJsonDumps, pyTuple } from './py-values';
import { Column } from './column';
import { CROSS_DB_MACROS } from './cross-db';
import { RE_MODULE } from './py-re';
import { SETATTR_HELPER } from './environment';
import type { MacroLibrary } from './macros';
import { makeQueryTable, type QueryTable } from './query-result';
import type { QueryReplay } from './query-replay';
import { Relation, quoteName } from '../relation';
import type { NodeConfig, ResourceType } from '../types';

/** dbt's `target`. */
export interface TargetInfo {
  name: string;
  profile_name: string;
  type: 'duckdb';
  database: string;
  schema: string;
  threads: number;
  path: string;
}

/** Everything a render needs from the project, independent of the node being rendered. */
export interface ProjectServices {
  projectName: string;
  target: TargetInfo;
  /** `var(name)`: the CLI's vars over dbt_project.yml's. */
  lookupVar(name: string): { found: boolean; value?: unknown };
  env: Readonly<Record<string, string | undefined>>;
  macros: MacroLibrary;
  /** Resolves `ref()`; throws when the model does not exist. */
  resolveRef(name: string, packageName: string | undefined, from: NodeScope): Relation;
  /** Resolves `source()`; throws when the source table is not declared. */
  resolveSource(sourceName: string, tableName: string, from: NodeScope): Relation;
  invocationId: string;
  runStartedAt: Date;
  fullRefresh: boolean;
  /** The project's `dispatch:` search orders (macro_namespace → packages). */
  dispatchOrders?: ReadonlyMap<string, readonly string[]>;
  /** Names of the installed packages. */
  packageNames?: readonly string[];
  /**
   * What the run knows exists (its relation cache): the kind, `null` for absent, `undefined`
   * when the schema was not listed yet (then `adapter.get_relation` asks the catalog).
   */
  knownRelation?: (database: string, schema: string, identifier: string) => 'table' | 'view' | null | undefined;
  /** A template dropped this relation (`adapter.drop_relation`): the run's relation cache forgets it. */
  droppedRelation?: (database: string, schema: string, identifier: string) => void;
}

/** The node being rendered. */
export interface NodeScope {
  uniqueId: string;
  name: string;
  resourceType: ResourceType;
  /** Absolute path of the file, for error locations. */
  path?: string;
  config: NodeConfig;
  relation: Relation;
  isIncremental: boolean;
  /** false while parsing (dbt's `execute`): queries do not run. */
  execute: boolean;
}

/** A call of `exceptions.raise_compiler_error` (or a failed `var`/`env_var`) from a template. */
export class TemplateRaise extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'TemplateRaise';
  }
}

/** The side effects of one render pass: what the template asked for and said. */
export class RenderPass {
  readonly configCalls: Record<string, unknown>[] = [];
  readonly refs: Array<{ name: string; packageName?: string }> = [];
  readonly sources: Array<{ sourceName: string; tableName: string }> = [];
  readonly logs: string[] = [];
  readonly statements = new Map<string, { table: QueryTable; data: unknown[][]; response: { _message: string } }>();

  constructor(readonly replay: QueryReplay | undefined) {}
}

/**
 * dbt's Jinja context for one node: ref, source, config, this, is_incremental,
 * var, env_var, target, log, run_query/statement/load_result, return, adapter
 * basics, the cross-database `dbt.*` macros, and the project's macros (which
 * win over the built-in defaults of the same name, as in dbt).
 */
export function buildContext(services: ProjectServices, scope: NodeScope, pass: RenderPass): Record<string, unknown> {
  const ctx: Record<string, unknown> = {};
  const kw = (args: unknown[]) => splitArgs(args);

  const query = (sql: string): QueryTable | undefined => {
    if (!scope.execute || !pass.replay) return undefined;
    return pass.replay.answer(sql.trim());
  };

  const config = Object.assign(
    (...args: unknown[]) => {
      const { positional, keywords } = kw(args);
      const first = positional[0];
      const values = first && typeof first === 'object' ? { ...(first as object), ...keywords } : keywords;
      pass.configCalls.push(values);
      return '';
    },
    {
      get: (key: string, fallback?: unknown) => {
        const value = lookupConfig(scope.config, pass.configCalls, key);
        return value === undefined ? (fallback ?? null) : value;
      },
      require: (key: string) => {
        const value = lookupConfig(scope.config, pass.configCalls, key);
        if (value === undefined) throw new TemplateRaise(`Required config '${key}' is not set on ${scope.name}.`);
        return value;
      },
      set: () => '',
    },
  );

  const builtins: Record<string, unknown> = {
    ref: (...args: unknown[]) => {
      const { positional } = kw(args);
      const [a, b] = positional as [string, string | undefined];
      const name = b === undefined ? a : b;
      const packageName = b === undefined ? undefined : a;
      pass.refs.push(packageName === undefined ? { name } : { name, packageName });
      return services.resolveRef(String(name), packageName, scope);
    },
    source: (sourceName: string, tableName: string) => {
      pass.sources.push({ sourceName, tableName });
      return services.resolveSource(String(sourceName), String(tableName), scope);
    },
    config,
    this: scope.relation,
    is_incremental: () => scope.isIncremental,
    execute: scope.execute,
    var: (...args: unknown[]) => {
      const { positional } = kw(args);
      const name = String(positional[0]);
      const found = services.lookupVar(name);
      if (found.found) return found.value;
      if (positional.length > 1) return positional[1];
      throw new TemplateRaise(
        `Required var '${name}' is not set: define it under 'vars:' in dbt_project.yml or pass it with --vars.`,
      );
    },
    env_var: (...args: unknown[]) => {
      const { positional } = kw(args);
      const name = String(positional[0]);
      const value = services.env[name];
      if (value !== undefined) return value;
      if (positional.length > 1) return positional[1];
      throw new TemplateRaise(`Env var required but not provided: '${name}'.`);
    },
    target: services.target,
    project_name: services.projectName,
    invocation_id: services.invocationId,
    run_started_at: PyDateTime.fromDate(services.runStartedAt, true),
    flags: { FULL_REFRESH: services.fullRefresh, STORE_FAILURES: false, WHICH: 'run' },
    // dbt's global-project macros of the same names (materializations/configs.sql): the node's config,
    // else the command's flag. Package tests call should_store_failures() to choose their columns.
    should_full_refresh: () => lookupConfig(scope.config, pass.configCalls, 'full_refresh') ?? services.fullRefresh,
    should_store_failures: () => lookupConfig(scope.config, pass.configCalls, 'store_failures') ?? false,
    model: {
      name: scope.name,
      unique_id: scope.uniqueId,
      resource_type: scope.resourceType,
      config: scope.config,
      original_file_path: scope.path,
    },
    log: (message: unknown) => {
      pass.logs.push(String(message));
      return '';
    },
    print: (message: unknown) => {
      pass.logs.push(String(message));
      return '';
    },
    run_query: (sql: unknown) => query(String(sql)),
    statement: (...args: unknown[]) => {
      const { positional, keywords } = kw(args);
      const name = String(positional[0] ?? keywords.name ?? 'statement');
      const caller = keywords.caller as (() => unknown) | undefined;
      const sql = caller ? String(caller()) : '';
      const table = query(sql);
      if (table) pass.statements.set(name, { table, data: table.rows, response: { _message: 'OK' } });
      return '';
    },
    load_result: (name: string) => pass.statements.get(String(name)) ?? null,
    exceptions: {
      raise_compiler_error: (message: unknown) => {
        throw new TemplateRaise(String(message));
      },
      warn: (message: unknown) => {
        pass.logs.push(`warning: ${String(message)}`);
        return '';
      },
      raise_not_implemented: (message: unknown) => {
        throw new TemplateRaise(String(message));
      },
    },
    fromjson: (text: unknown, fallback?: unknown) => {
      try {
        return JSON.parse(String(text));
      } catch {
        return fallback ?? null;
      }
    },
    // dbt's tojson(value, default=None, sort_keys=False): json.dumps, insertion order unless sort_keys.
    tojson: (...args: unknown[]) => {
      const { positional, keywords } = kw(args);
      return pyJsonDumps(positional[0], Boolean(keywords.sort_keys ?? positional[2]));
    },
    zip: (...lists: unknown[]) => {
      const items = lists.map((l) => pyIterate(l));
      const length = items.length ? Math.min(...items.map((l) => l.length)) : 0;
      return Array.from({ length }, (_, i) => pyTuple(items.map((l) => l[i])));
    },
    modules: {
      datetime: DATETIME_MODULE,
      re: RE_MODULE,
      pytz: refusedModule('pytz'),
      itertools: refusedModule('itertools'),
    },
    namespace: (...args: unknown[]) => ({ ...kw(args).keywords }),
    [SETATTR_HELPER]: (target: Record<string, unknown>, key: string, value: unknown) => {
      if (target && typeof target === 'object') target[key] = value;
      return '';
    },
    set: (items: unknown) => new Set(items === undefined ? [] : pyIterate(items)),
    api: {
      Relation: {
        create: (...args: unknown[]) => {
          const { keywords } = kw(args);
          return new Relation(
            (keywords.database as string | undefined) ?? services.target.database,
            (keywords.schema as string | undefined) ?? services.target.schema,
            String(keywords.identifier ?? ''),
            keywords.type as 'table' | 'view' | undefined,
          );
        },
      },
    },
    adapter: buildAdapter(ctx, services, scope, query),
    dbt: {} as Record<string, unknown>,
    generate_schema_name: defaultSchemaName(services),
    default__generate_schema_name: defaultSchemaName(services),
    generate_alias_name: defaultAliasName,
    default__generate_alias_name: defaultAliasName,
    generate_database_name: defaultDatabaseName(services),
    default__generate_database_name: defaultDatabaseName(services),
    ...CROSS_DB_MACROS,
  };
  // dbt's context-level load_relation is the adapter's.
  builtins.load_relation = (builtins.adapter as Record<string, unknown>).load_relation;
  Object.assign(ctx, builtins);
  Object.assign(ctx, services.macros.bind(ctx, services.projectName));
  // `dbt.<macro>` reaches the same functions (the project's override first).
  // A namespace object, not a dict: attribute access reaches the macros.
  ctx.dbt = new Proxy(new DbtNamespace(), {
    get: (_t, key) => (typeof key === 'string' ? ctx[key] : undefined),
    has: (_t, key) => typeof key === 'string' && key in ctx,
  });
  return ctx;
}

class DbtNamespace {}

/** A module of dbt's `modules` the runner does not reproduce: any use of it is refused by name. */
function refusedModule(name: string): object {
  // A class instance, not a plain object: member lookups reach the proxy instead of a dict's keys.
  return new Proxy(new RefusedModule(), {
    get: (_t, key) => {
      if (typeof key !== 'string') return undefined;
      throw new Error(`modules.${name} (modules.${name}.${key}) is not supported by the built-in runner`);
    },
  });
}

class RefusedModule {}

function lookupConfig(config: NodeConfig, calls: Record<string, unknown>[], key: string): unknown {
  for (let i = calls.length - 1; i >= 0; i--) {
    const call = calls[i]!;
    if (key in call) return call[key];
  }
  const value = config[key] ?? config[key.replace(/-/g, '_')];
  return value;
}

/**
 * dbt's adapter.dispatch: the packages to search are the project's `dispatch:`
 * search_order for the namespace, else the root project then the namespace
 * when it is an installed package, else the flat namespace; in each,
 * `duckdb__name` then `default__name`.
 */
function dispatchMacro(
  ctx: Record<string, unknown>,
  services: ProjectServices,
  { positional, keywords }: { positional: unknown[]; keywords: Record<string, unknown> },
): unknown {
  const name = String(positional[0] ?? keywords.macro_name);
  const namespace = (positional[1] ?? keywords.macro_namespace ?? null) as string | null;
  if (name.includes('.')) {
    const [ns, bare] = [name.slice(0, name.indexOf('.')), name.slice(name.indexOf('.') + 1)];
    throw new TemplateRaise(
      `In adapter.dispatch, got a macro name of "${name}", but "." is not a valid macro name component. Did you mean \`adapter.dispatch("${bare}", macro_namespace="${ns}")\`?`,
    );
  }
  let search: Array<string | null> = [null];
  if (namespace !== null) {
    const order = services.dispatchOrders?.get(namespace);
    if (order && order.length > 0) search = [...order];
    else if (services.packageNames?.includes(namespace)) search = [services.projectName, namespace];
  }
  const attempts: string[] = [];
  for (const pkg of search) {
    for (const prefix of ['duckdb', 'default']) {
      const macro = `${prefix}__${name}`;
      attempts.push(pkg === null ? macro : `${pkg}.${macro}`);
      let found: unknown;
      if (pkg === null) found = ctx[macro];
      else if (pkg === services.projectName) found = services.macros.has(macro) ? ctx[macro] : undefined;
      else if (pkg === 'dbt') found = services.macros.has(macro) ? undefined : ctx[macro];
      else {
        const members = ctx[pkg];
        found = members && typeof members === 'object' ? (members as Record<string, unknown>)[macro] : undefined;
      }
      if (typeof found === 'function') return found;
    }
  }
  throw new TemplateRaise(
    `In dispatch: No macro named '${name}' found within namespace: '${namespace ?? 'None'}'\n    Searched for: ${attempts.map((a) => `'${a}'`).join(', ')}`,
  );
}

function splitArgs(args: unknown[]): { positional: unknown[]; keywords: Record<string, unknown> } {
  const last = args[args.length - 1];
  if (isKeywordArgs(last)) {
    const { __keywords: _k, ...keywords } = last;
    return { positional: args.slice(0, -1), keywords };
  }
  return { positional: args, keywords: {} };
}

function defaultSchemaName(services: ProjectServices) {
  return (customSchema: unknown): string => {
    const base = services.target.schema;
    if (customSchema === null || customSchema === undefined || customSchema === '') return base;
    return `${base}_${String(customSchema).trim()}`;
  };
}

function defaultAliasName(customAlias: unknown, node?: { name?: string }): string {
  if (customAlias !== null && customAlias !== undefined && customAlias !== '') return String(customAlias).trim();
  return String(node?.name ?? '');
}

function defaultDatabaseName(services: ProjectServices) {
  return (customDatabase: unknown): string => {
    if (customDatabase === null || customDatabase === undefined || customDatabase === '')
      return services.target.database;
    return String(customDatabase).trim();
  };
}

function buildAdapter(
  ctx: Record<string, unknown>,
  services: ProjectServices,
  scope: NodeScope,
  query: (sql: string) => QueryTable | undefined,
): Record<string, unknown> {
  const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const getRelation = (...args: unknown[]) => {
    const { positional, keywords } = splitArgs(args);
    const database = String(keywords.database ?? positional[0] ?? services.target.database);
    const schema = String(keywords.schema ?? positional[1] ?? services.target.schema);
    const identifier = String(keywords.identifier ?? positional[2] ?? '');
    const known = scope.execute ? services.knownRelation?.(database, schema, identifier) : undefined;
    if (known !== undefined) return known === null ? null : new Relation(database, schema, identifier, known);
    const table = query(
      `SELECT table_type FROM information_schema.tables WHERE table_catalog = ${literal(database)} AND table_schema = ${literal(schema)} AND table_name = ${literal(identifier)}`,
    );
    if (!table || table.rows.length === 0) return null;
    const type = String(table.rows[0]![0]).toUpperCase() === 'VIEW' ? 'view' : 'table';
    return new Relation(database, schema, identifier, type);
  };
  return {
    type: () => 'duckdb',
    quote: (name: unknown) => quoteName(String(name)),
    get_relation: getRelation,
    load_relation: (relation: Relation) =>
      getRelation(relation.database, relation.schema, relation.identifier) as Relation | null,
    get_columns_in_relation: (relation: Relation) => {
      const table = query(
        `SELECT column_name, data_type, character_maximum_length, numeric_precision, numeric_scale FROM information_schema.columns WHERE table_catalog = ${literal(
          relation.database ?? services.target.database,
        )} AND table_schema = ${literal(relation.schema ?? services.target.schema)} AND table_name = ${literal(
          relation.identifier,
        )} ORDER BY ordinal_position`,
      );
      const size = (v: unknown) => (v === null || v === undefined ? null : Number(v));
      return (table?.rows ?? []).map(
        (row) => new Column(String(row[0]), String(row[1]), size(row[2]), size(row[3]), size(row[4])),
      );
    },
    // dbt-duckdb's drop_relation on DuckLake (is_ducklake, below): `drop <type> if exists <relation>`,
    // without the `cascade` it adds on plain DuckDB, which DuckLake refuses (DuckDB tracks no view
    // dependencies, so it changes nothing there).
    drop_relation: (relation: Relation) => {
      if (!scope.execute) return '';
      query(`drop ${relation.type === 'view' ? 'view' : 'table'} if exists ${relation.render()}`);
      services.droppedRelation?.(
        relation.database ?? services.target.database,
        relation.schema ?? services.target.schema,
        relation.identifier,
      );
      return '';
    },
    dispatch: (...args: unknown[]) => dispatchMacro(ctx, services, splitArgs(args)),
    already_exists: (schema: string, identifier: string) =>
      getRelation(services.target.database, schema, identifier) !== null,
    // dbt-duckdb helpers some projects call.
    is_ducklake: () => true,
    execute: (sql: string) => {
      const table = query(String(sql));
      return [{ _message: 'OK' }, table ?? makeQueryTable([], [])];
    },
    scope: scope.uniqueId,
  };
}
