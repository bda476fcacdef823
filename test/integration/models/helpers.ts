import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll } from 'vitest';
import { DuckDBSession } from '../../../src/core/lake/duckdb';
import { generateEnergyFiles, type EnergyFileOptions } from '../../../examples/energy/generate';
import { buildProject, type RunOptions } from '../../../src/core/models';
import { dbt, requireDbt } from './peers';

export const EXAMPLES_DIR = resolve(import.meta.dirname, '../../../examples');

/** A throwaway copy of an example project with its own catalog, data folder and landing folder. */
export interface Workspace {
  root: string;
  projectDir: string;
  catalogPath: string;
  dataPath: string;
  landingPath: string;
  env: Record<string, string | undefined>;
  cleanup(): void;
}

/**
 * A temp copy of a project (an example by default) with its own catalog, data and landing folders;
 * `landingEnv` names the variable the project reads its landing folder from.
 */
export function makeWorkspace(
  example: string,
  label = example,
  opts: { source?: string; landingEnv?: string; skip?: RegExp } = {},
): Workspace {
  const root = mkdtempSync(join(tmpdir(), `lh-models-${label}-`));
  const projectDir = join(root, 'project');
  const skip = opts.skip ?? /[\\/](target|landing|lake|logs)$/;
  cpSync(opts.source ?? join(EXAMPLES_DIR, example), projectDir, { recursive: true, filter: (src) => !skip.test(src) });
  const catalogPath = join(root, 'lake', 'metadata.db');
  const dataPath = join(root, 'lake', 'data') + '/';
  const landingPath = join(root, 'landing');
  mkdirSync(join(root, 'lake', 'data'), { recursive: true });
  mkdirSync(landingPath, { recursive: true });
  const env = {
    ...process.env,
    LAKEHOUSE_CATALOG_PATH: catalogPath,
    LAKEHOUSE_DATA_PATH: dataPath,
    [opts.landingEnv ?? 'ENERGY_LANDING_PATH']: landingPath,
  };
  return {
    root,
    projectDir,
    catalogPath,
    dataPath,
    landingPath,
    env,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

export function addEnergyBatch(workspace: Workspace, batch: number, options: Partial<EnergyFileOptions> = {}) {
  return generateEnergyFiles(workspace.landingPath, { scale: 6, days: 2, startDate: '2024-03-01', batch, ...options });
}

export function openSession(): Promise<DuckDBSession> {
  const extensionDirectory = process.env.LAKEHOUSE_DUCKDB_EXTENSIONS;
  return DuckDBSession.open({ threads: 2, ...(extensionDirectory ? { extensionDirectory } : {}) });
}

export interface TableFingerprint {
  type: string;
  rows: number;
  /** Order-independent hash of every row's text, and the column list with types. */
  hash: string;
  columns: string;
}

/**
 * Row count and an order-independent content hash for every table and view of
 * a DuckLake catalog, computed in DuckDB: the sum of hash(row as text).
 */
export async function fingerprintCatalog(
  catalogPath: string,
  dataPath: string,
): Promise<Map<string, TableFingerprint>> {
  const session = await openSession();
  try {
    await session.loadExtensions(['ducklake', 'sqlite_scanner']);
    await session.run(`ATTACH 'ducklake:sqlite:${catalogPath}' AS fp (DATA_PATH '${dataPath}', READ_ONLY)`);
    const tables = await session.all<{ table_schema: string; table_name: string; table_type: string }>(
      `SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE table_catalog = 'fp' ORDER BY 1, 2`,
    );
    const out = new Map<string, TableFingerprint>();
    for (const t of tables) {
      const name = `"fp"."${t.table_schema}"."${t.table_name}"`;
      const [stats] = await session.all<{ n: bigint; h: bigint | null }>(
        `SELECT count(*) AS n, sum(hash(CAST(t AS VARCHAR))::HUGEINT) AS h FROM ${name} AS t`,
      );
      const [cols] = await session.all<{ c: string }>(
        `SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) AS c FROM information_schema.columns WHERE table_catalog = 'fp' AND table_schema = '${t.table_schema}' AND table_name = '${t.table_name}'`,
      );
      out.set(`${t.table_schema}.${t.table_name}`, {
        type: t.table_type,
        rows: Number(stats!.n),
        hash: String(stats!.h ?? 0),
        columns: cols!.c,
      });
    }
    return out;
  } finally {
    session.close();
  }
}

export const STANDARD_PROFILE = `
lab:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: ':memory:'
      database: lake
      schema: main
      threads: 1
      attach:
        - path: "ducklake:sqlite:{{ env_var('LAKEHOUSE_CATALOG_PATH') }}"
          alias: lake
          options:
            data_path: "{{ env_var('LAKEHOUSE_DATA_PATH') }}"
            override_data_path: true
`;

/** Adds `settings:` to the workspace's standard profile (one `key: value` line each), e.g. one DuckDB refuses. */
export function addProfileSettings(ws: Workspace, settings: string[]): void {
  const file = join(ws.projectDir, 'profiles.yml');
  const lines = settings.map((s) => `        ${s}\n`).join('');
  writeFileSync(
    file,
    readFileSync(file, 'utf8').replace('      threads: 1\n', `      threads: 1\n      settings:\n${lines}`),
  );
}

/** The standard profile plus the extension folder real dbt-duckdb loads from (it cannot download extensions here). */
export const DBT_PEER_PROFILE = STANDARD_PROFILE.replace(
  '      threads: 1\n',
  '      threads: 1\n      config_options:\n        extension_directory: "{{ env_var(\'LAKEHOUSE_DUCKDB_EXTENSIONS\') }}"\n',
);

/**
 * For a test file comparing the runner with dbt-duckdb: dbt is required, and `make(files, label)`
 * writes the project twice (`mine` for the runner, `peer` for dbt), both removed after each test.
 */
export function sideBySideProjects(): (
  files: Record<string, string>,
  label: string,
) => { mine: Workspace; peer: Workspace } {
  const made: Workspace[] = [];
  beforeAll(() => requireDbt());
  afterEach(() => {
    for (const w of made.splice(0)) w.cleanup();
  });
  return (files, label) => {
    const pair = { mine: makeProject(files, `${label}-builtin`), peer: makeProject(files, `${label}-dbt`) };
    made.push(pair.mine, pair.peer);
    return pair;
  };
}

/** The runner's `build` of a workspace, on a session of its own. */
export function builtinBuild(ws: Workspace, options: Partial<Omit<RunOptions, 'session'>> = {}) {
  return withSession((session) => buildProject({ projectDir: ws.projectDir, session, env: ws.env, ...options }));
}

/** dbt-duckdb's `build` of a workspace and its run_results.json entries (a failing node's exit code 1 is expected). */
export async function dbtBuildResults(ws: Workspace): Promise<DbtResult[]> {
  await dbt(ws.projectDir, ['build'], ws.env).catch(() => undefined);
  const text = readFileSync(join(ws.projectDir, 'target', 'run_results.json'), 'utf8');
  return (JSON.parse(text) as { results: DbtResult[] }).results;
}

export interface DbtResult {
  unique_id: string;
  status: string;
  failures: number | null;
}

/** What `work` rejects with (its message, or dbt's output), or 'succeeded'. */
export function outcome(work: Promise<unknown>): Promise<string> {
  return work.then(
    () => 'succeeded',
    (e: unknown) => (e instanceof Error ? e.message : String(e)),
  );
}

/** A small project written from a map of files (dbt_project.yml and profiles.yml get defaults). */
export function makeProject(files: Record<string, string>, label = 'lab'): Workspace {
  const root = mkdtempSync(join(tmpdir(), `lh-models-${label}-`));
  const projectDir = join(root, 'project');
  const all: Record<string, string> = {
    'dbt_project.yml': 'name: lab\nprofile: lab\nconfig-version: 2\n',
    'profiles.yml': STANDARD_PROFILE,
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    const full = join(projectDir, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, text);
  }
  const catalogPath = join(root, 'lake', 'metadata.db');
  const dataPath = join(root, 'lake', 'data') + '/';
  mkdirSync(join(root, 'lake', 'data'), { recursive: true });
  const env = { ...process.env, LAKEHOUSE_CATALOG_PATH: catalogPath, LAKEHOUSE_DATA_PATH: dataPath };
  return {
    root,
    projectDir,
    catalogPath,
    dataPath,
    landingPath: join(root, 'landing'),
    env,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Opens a session, runs `work`, closes it. */
export async function withSession<T>(work: (session: DuckDBSession) => Promise<T>): Promise<T> {
  const session = await openSession();
  try {
    return await work(session);
  } finally {
    session.close();
  }
}

/** Rows of a query against the workspace's catalog, in a separate read-only session. */
export async function queryCatalog<T extends Record<string, unknown>>(ws: Workspace, sql: string): Promise<T[]> {
  return withSession(async (session) => {
    await session.loadExtensions(['ducklake', 'sqlite_scanner']);
    await session.run(`ATTACH 'ducklake:sqlite:${ws.catalogPath}' AS lake (DATA_PATH '${ws.dataPath}', READ_ONLY)`);
    return session.all<T>(sql);
  });
}

/** The other writer: runs `work` on a session with the workspace's lake attached read-write and in use. */
export async function withLake<T>(ws: Workspace, work: (session: DuckDBSession) => Promise<T>): Promise<T> {
  return withSession(async (session) => {
    await session.loadExtensions(['ducklake', 'sqlite_scanner']);
    await session.run(`ATTACH 'ducklake:sqlite:${ws.catalogPath}' AS lake (DATA_PATH '${ws.dataPath}')`);
    await session.run('USE lake');
    return work(session);
  });
}

/** Changes the lake's tables outside any run (a source landing, another writer). */
export function writeLake(ws: Workspace, sql: string): Promise<void> {
  return withLake(ws, (session) => session.run(sql));
}
