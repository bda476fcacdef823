import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { resolveEntries } from '../core/config/lakehouseConfig';
import { TOOL } from '../core/identity';
import { DuckDBSession, quoteLiteral } from '../core/lake/duckdb';
import { attachWorkingCatalog } from '../core/lake/lakeSession';
import { LocalMirror } from '../core/lake/localMirror';
import { formatBytes, pull } from '../core/lake/pull';
import { openCatalogLease } from '../core/lease/catalogLease';
import { describeLeaseShort } from '../core/lease/leaseView';
import { publish } from '../core/publish/publish';
import { startAzurite } from '../core/storage/azurite';
import type { LakehouseStore } from '../core/storage/blobStore';
import { cliDuckDBOptions, cliHolder, type CliEnv } from './context';
import type { Output } from './output';

type Run = (work: (out: Output) => Promise<void>, json: boolean | undefined) => Promise<void>;

const WORKSPACE = 'demo-workspace';
const ITEM = 'demo.Lakehouse';

/**
 * `npm run demo`: the product's main job on its embedded default. Azurite plays
 * OneLake. Under one lease: pull (creating an empty catalog), write a table
 * locally with the real ducklake extension, publish (data, then the catalog
 * atomically, then Delta logs), release. Then read the Delta table back.
 */
export function registerDemoCommand(program: Command, cli: CliEnv, run: Run): void {
  program
    .command('demo')
    .description('run the main loop against a local Azurite standing in for OneLake')
    .option('--dir <path>', 'working folder', '.lakehouse/demo')
    .option('--keep', 'leave Azurite running until Ctrl+C')
    .option('--json', 'print JSON')
    .action((opts: { dir: string; keep?: boolean; json?: boolean }) =>
      run(async (out) => {
        const dir = join(cli.cwd, opts.dir);
        rmSync(dir, { recursive: true, force: true });
        const step = (text: string) => out.info(`• ${text}`);
        const azurite = await startAzurite({ location: join(dir, 'azurite') });
        const duckdb = cliDuckDBOptions(cli);
        const session = await DuckDBSession.open(duckdb);
        try {
          const location = `azurite://${azurite.host}:${azurite.port}/${WORKSPACE}/${ITEM}`;
          step(`Azurite is standing in for OneLake at ${azurite.accountUrl}`);
          const [entry] = resolveEntries([{ name: 'demo', location }], 'demo');
          const { store, guard } = await openCatalogLease(entry!, {
            holder: cliHolder(undefined, cli),
            tool: TOOL,
            duckdb,
          });
          await store.container.createIfNotExists();
          step(`Workspace '${WORKSPACE}', lakehouse ${ITEM}`);

          const held = await guard.acquire({ operation: 'run' });
          step(
            `Lease taken on Files/metadata.db by ${held.stamp.holder}; no catalog existed, so an empty DuckLake catalog was created`,
          );
          const mirror = new LocalMirror(join(dir, 'local'));
          const pulled = await pull({ entry: entry!, store, mirror, session });
          step(`Pulled the catalog into ${mirror.root} (${pulled.files.downloaded} data files)`);

          await attachWorkingCatalog(session, mirror, pulled.state);
          await session.run(`CREATE TABLE lake.main.meter_readings AS
            SELECT 'meter-' || (i % 20) AS meter_id,
                   TIMESTAMP '2026-01-01' + INTERVAL (i) MINUTE * 15 AS read_at,
                   round(1.5 + (i * 37 % 100) / 10.0, 2) AS kwh
            FROM range(10000) t(i)`);
          await session.run('DETACH lake');
          step('Wrote main.meter_readings (10000 rows) locally with DuckDB + ducklake');

          const lease = await guard.inspect();
          step(`Lease during the run: ${describeLeaseShort(lease)}`);
          const summary = await publish({ entry: entry!, store, guard, mirror, session, held });
          const exported = summary.delta?.tables.filter((t) => t.status === 'created' || t.status === 'updated') ?? [];
          step(
            `Published ${summary.files} file(s), ${formatBytes(summary.bytes)}: data (If-None-Match *), catalog (atomic, under the lease), Delta logs for ${exported.map((t) => `${t.schema}.${t.name} v${t.version}`).join(', ')}; ${summary.requests} requests in ${summary.seconds.toFixed(1)} s`,
          );
          step(`Lease after publish: ${describeLeaseShort(await guard.inspect())}`);

          const readBack = await readDeltaBack(store, join(dir, 'readback'), 'Tables/main/meter_readings', session);
          step(`Read the Delta table back with DuckDB's delta extension: ${readBack.rows} rows, ${readBack.kwh} kWh`);
          out.result(
            `Demo done: ${location} has main.meter_readings (${readBack.rows} rows) in DuckLake and as a Delta table.`,
            {
              ok: true,
              location,
              table: 'main.meter_readings',
              rows: readBack.rows,
              kwh: readBack.kwh,
              publish: {
                files: summary.files,
                bytes: summary.bytes,
                requests: summary.requests,
                tables: summary.tables,
              },
            },
          );
          if (opts.keep) {
            out.info(
              `Azurite keeps running at ${azurite.accountUrl}; try: lakehouse lease status ${location}. Ctrl+C stops it.`,
            );
            await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
          }
        } finally {
          session.close();
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
  session: DuckDBSession,
): Promise<{ rows: number; kwh: number }> {
  const prefix = `${store.location.item}/${folder}/`;
  for await (const blob of store.container.listBlobsFlat({ prefix })) {
    const target = join(dir, blob.name.slice(prefix.length));
    mkdirSync(dirname(target), { recursive: true });
    await store.container.getBlobClient(blob.name).downloadToFile(target);
  }
  await session.loadExtensions(['delta']);
  const [row] = await session.all<{ n: bigint; kwh: number }>(
    `SELECT count(*) AS n, round(sum(kwh), 2) AS kwh FROM delta_scan(${quoteLiteral(dir)})`,
  );
  return { rows: Number(row!.n), kwh: Number(row!.kwh) };
}
