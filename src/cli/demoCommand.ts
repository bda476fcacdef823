import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { generateEnergyFiles } from '../../examples/energy/generate';
import { resolveEntries } from '../core/config/lakehouseConfig';
import { TOOL } from '../core/identity';
import { DuckDBSession, quoteLiteral } from '../core/lake/duckdb';
import { attachWorkingCatalog } from '../core/lake/lakeSession';
import { LocalMirror } from '../core/lake/localMirror';
import { formatBytes } from '../core/lake/pull';
import { openCatalogLease } from '../core/lease/catalogLease';
import { describeLeaseShort } from '../core/lease/leaseView';
import { runOnLakehouse } from '../core/run/runOnLakehouse';
import { isFailure, tally } from '../core/run/summary';
import { startAzurite } from '../core/storage/azurite';
import type { LakehouseStore } from '../core/storage/blobStore';
import { cliDuckDBOptions, cliHolder, type CliEnv } from './context';
import type { Output } from './output';

type Run = (work: (out: Output) => Promise<void>, json: boolean | undefined) => Promise<void>;

const WORKSPACE = 'demo-workspace';
const ITEM = 'energy.Lakehouse';
const CHECKED_TABLE = 'main_marts.fct_site_daily';

/**
 * `npm run demo`: the product's main job on its embedded default. Azurite plays
 * OneLake. Two batches of energy landing files; for each, one lease from pull
 * to upload: pull, run examples/energy with the built-in runner (real DuckDB +
 * ducklake), publish data and catalog, export Delta, release. Then a Delta
 * table is read back as Fabric would.
 */
export function registerDemoCommand(program: Command, cli: CliEnv, run: Run): void {
  program
    .command('demo')
    .description('run the main loop against a local Azurite standing in for OneLake')
    .option('--dir <path>', 'working folder', '.lakehouse/demo')
    .option('--project <dir>', 'the dbt project to run', 'examples/energy')
    .option('--scale <n>', 'sites in the synthetic data', '8')
    .option('--keep', 'leave Azurite running until Ctrl+C')
    .option('--json', 'print JSON')
    .action((opts: { dir: string; project: string; scale: string; keep?: boolean; json?: boolean }) =>
      run(async (out) => {
        const dir = join(cli.cwd, opts.dir);
        rmSync(dir, { recursive: true, force: true });
        const step = (text: string) => out.info(`• ${text}`);
        const azurite = await startAzurite({ location: join(dir, 'azurite') });
        const duckdb = cliDuckDBOptions(cli);
        try {
          const location = `azurite://${azurite.host}:${azurite.port}/${WORKSPACE}/${ITEM}`;
          step(`Azurite is standing in for OneLake at ${azurite.accountUrl}`);
          const [entry] = resolveEntries([{ name: 'energy', location }], 'demo');
          const { store, guard } = await openCatalogLease(entry!, {
            holder: cliHolder(undefined, cli),
            tool: TOOL,
            duckdb,
          });
          await store.container.createIfNotExists();
          const mirror = new LocalMirror(join(dir, 'local'));
          const landing = join(dir, 'landing');
          process.env.ENERGY_LANDING_PATH = landing;
          const batches = [];

          for (const batch of [1, 2]) {
            const generated = generateEnergyFiles(landing, {
              scale: Number(opts.scale),
              days: 5,
              startDate: '2024-03-01',
              batch,
            });
            step(`Batch ${batch}: ${generated.files.length} landing files, ${generated.readingRows} meter readings`);
            let leaseSeen = '';
            const result = await runOnLakehouse({
              entry: entry!,
              store,
              guard,
              mirror,
              duckdb,
              projectDir: resolve(cli.cwd, opts.project),
              command: 'build',
              publish: true,
              onLease: (held) => {
                if (held && !leaseSeen)
                  leaseSeen = `lease held by ${held.stamp.holder} (${held.stamp.operation}) from pull to upload`;
              },
            });
            // The tally says models skipped as unchanged apart; only errors and failed tests are failures.
            const failed = result.run.results.filter(isFailure);
            step(`  ${leaseSeen}; catalog ${result.pull.catalog}, ${result.pull.files.downloaded} data files pulled`);
            step(
              `  built ${result.run.results.length} nodes in ${result.run.elapsedTime.toFixed(1)} s: ${tally(result.run)}${failed.length === 0 ? '' : `; failed: ${failed.map((f) => `${f.name} (${f.message})`).join('; ')}`}`,
            );
            if (failed.length > 0) throw new Error(`batch ${batch}: ${failed.length} of the models and tests failed`);
            if (!result.publish)
              throw new Error(`batch ${batch} was not published: ${result.publishSkipped ?? 'unknown reason'}`);
            const p = result.publish;
            const delta = p.delta?.tables.filter((t) => t.status === 'created' || t.status === 'updated') ?? [];
            step(
              `  published ${p.files} files (${formatBytes(p.bytes)}), ${p.tables.length} tables, Delta logs for ${delta.length} tables, ${p.requests} requests, ${p.seconds.toFixed(1)} s`,
            );
            batches.push({
              batch,
              nodes: result.run.results.length,
              files: p.files,
              requests: p.requests,
              deltaTables: delta.length,
            });
          }
          step(`Lease after the runs: ${describeLeaseShort(await guard.inspect())}`);

          const [schema, table] = CHECKED_TABLE.split('.') as [string, string];
          const deltaRows = await readDeltaBack(store, join(dir, 'readback'), `Tables/${schema}/${table}`, duckdb);
          const lakeRows = await countInLake(mirror, CHECKED_TABLE, duckdb);
          step(
            `Read ${CHECKED_TABLE} back as Delta with DuckDB's delta extension: ${deltaRows} rows (DuckLake has ${lakeRows})`,
          );
          if (deltaRows !== lakeRows) throw new Error(`Delta read ${deltaRows} rows but DuckLake has ${lakeRows}`);
          out.result(
            `Demo done: ${location} holds the energy project in DuckLake and as Delta tables; ${CHECKED_TABLE} reads back with ${deltaRows} rows.`,
            {
              ok: true,
              location,
              batches,
              checked: { table: CHECKED_TABLE, deltaRows, lakeRows },
            },
          );
          if (opts.keep) {
            out.info(
              `Azurite keeps running at ${azurite.accountUrl}; try: lakehouse lease status ${location}. Ctrl+C stops it.`,
            );
            await new Promise<void>((done) => process.once('SIGINT', () => done()));
          }
        } finally {
          await azurite.stop();
        }
      }, opts.json),
    );
}

/** Downloads a published table folder (Parquet + _delta_log) and reads it as Delta, as Fabric would. */
async function readDeltaBack(
  store: LakehouseStore,
  dir: string,
  folder: string,
  duckdb: ReturnType<typeof cliDuckDBOptions>,
): Promise<number> {
  const prefix = `${store.location.item}/${folder}/`;
  for await (const blob of store.container.listBlobsFlat({ prefix })) {
    const target = join(dir, blob.name.slice(prefix.length));
    mkdirSync(dirname(target), { recursive: true });
    await store.container.getBlobClient(blob.name).downloadToFile(target);
  }
  const session = await DuckDBSession.open(duckdb);
  try {
    await session.loadExtensions(['delta']);
    const [row] = await session.all<{ n: bigint }>(`SELECT count(*) AS n FROM delta_scan(${quoteLiteral(dir)})`);
    return Number(row!.n);
  } finally {
    session.close();
  }
}

async function countInLake(
  mirror: LocalMirror,
  table: string,
  duckdb: ReturnType<typeof cliDuckDBOptions>,
): Promise<number> {
  const session = await DuckDBSession.open(duckdb);
  try {
    await attachWorkingCatalog(session, mirror, (await mirror.readState())!, { readOnly: true });
    const [row] = await session.all<{ n: bigint }>(`SELECT count(*) AS n FROM lake.${table}`);
    return Number(row!.n);
  } finally {
    session.close();
  }
}
