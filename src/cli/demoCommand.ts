import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { resolveEntries } from '../core/config/lakehouseConfig';
import { TOOL } from '../core/identity';
import { listLiveDataFiles } from '../core/lake/catalogFiles';
import { DuckDBSession, quoteLiteral } from '../core/lake/duckdb';
import { openCatalogLease } from '../core/lease/catalogLease';
import { describeLeaseShort } from '../core/lease/leaseView';
import { startAzurite } from '../core/storage/azurite';
import { downloadToFile, uploadIfAbsent } from '../core/storage/transfer';
import { cliDuckDBOptions, cliHolder, type CliEnv } from './context';
import type { Output } from './output';

type Run = (work: (out: Output) => Promise<void>, json: boolean | undefined) => Promise<void>;

const WORKSPACE = 'demo-workspace';
const ITEM = 'demo.Lakehouse';

/**
 * `npm run demo`: the product's main job on its embedded default. Azurite plays
 * OneLake; a DuckLake catalog is created under a lease, a table is written
 * locally with the real ducklake extension, data and catalog go up under the
 * lease, and a fresh download reads it back.
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
        try {
          const location = `azurite://${azurite.host}:${azurite.port}/${WORKSPACE}/${ITEM}`;
          step(`Azurite is standing in for OneLake at ${azurite.accountUrl}`);
          const [entry] = resolveEntries([{ name: 'demo', location }], 'demo');
          const duckdb = cliDuckDBOptions(cli);
          const { store, guard } = await openCatalogLease(entry!, {
            holder: cliHolder(undefined, cli),
            tool: TOOL,
            duckdb,
          });
          await store.container.createIfNotExists();
          step(`Workspace '${WORKSPACE}' created; lakehouse ${ITEM}`);

          const held = await guard.acquire({ operation: 'demo' });
          step(
            `Lease taken on Files/metadata.db by ${held.stamp.holder} (no catalog existed: an empty DuckLake catalog was created)`,
          );
          step(`Lease state now: ${describeLeaseShort(await guard.inspect())}`);

          const local = join(dir, 'local');
          const catalogFile = join(local, 'metadata.db');
          await downloadToFile(store.blob(entry!.catalogPath), catalogFile);
          const mirror = join(local, 'Tables') + '/';
          const session = await DuckDBSession.open(duckdb);
          let rows = 0;
          try {
            await session.loadExtensions(['ducklake', 'sqlite_scanner']);
            await session.run(
              `ATTACH ${quoteLiteral(`ducklake:sqlite:${catalogFile}`)} AS lake (DATA_PATH ${quoteLiteral(mirror)}, OVERRIDE_DATA_PATH true)`,
            );
            await session.run(`CREATE TABLE lake.main.meter_readings AS
              SELECT 'meter-' || (i % 20) AS meter_id,
                     TIMESTAMP '2026-01-01' + INTERVAL (i) MINUTE * 15 AS read_at,
                     round(1.5 + (i * 37 % 100) / 10.0, 2) AS kwh
              FROM range(10000) t(i)`);
            rows = Number(
              (await session.all<{ n: bigint }>('SELECT count(*) AS n FROM lake.main.meter_readings'))[0]!.n,
            );
            await session.run('DETACH lake');
            step(`Wrote table main.meter_readings (${rows} rows) locally with DuckDB + ducklake`);
            const files = await listLiveDataFiles(session, catalogFile);
            for (const file of files) await uploadIfAbsent(store.blob(`Tables/${file.path}`), join(mirror, file.path));
            step(`Uploaded ${files.length} Parquet file(s) under Tables/ (If-None-Match *)`);
          } finally {
            session.close();
          }
          await guard.upload(held, { file: catalogFile });
          step('Uploaded the catalog under the lease (If-Match on the pulled ETag: atomic, no lost update)');
          await guard.release(held);
          step(`Lease released; state: ${describeLeaseShort(await guard.inspect())}`);

          const readBack = await readBackTable(store, entry!.catalogPath, join(dir, 'readback'), duckdb);
          step(`Read back from a fresh download: ${readBack.rows} rows, total ${readBack.kwh} kWh`);
          out.result(
            `Demo done: lakehouse ${location} has a DuckLake catalog with main.meter_readings (${readBack.rows} rows).`,
            {
              ok: true,
              location,
              table: 'main.meter_readings',
              rows: readBack.rows,
              kwh: readBack.kwh,
              requests: store.counter.total,
            },
          );
          if (opts.keep) {
            out.info(
              `Azurite keeps running at ${azurite.accountUrl}; try: lakehouse lease status ${location}. Ctrl+C stops it.`,
            );
            await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
          }
        } finally {
          await azurite.stop();
        }
      }, opts.json),
    );
}

async function readBackTable(
  store: Awaited<ReturnType<typeof openCatalogLease>>['store'],
  catalogPath: string,
  dir: string,
  duckdb: ReturnType<typeof cliDuckDBOptions>,
): Promise<{ rows: number; kwh: number }> {
  const catalogFile = join(dir, 'metadata.db');
  await downloadToFile(store.blob(catalogPath), catalogFile);
  const session = await DuckDBSession.open(duckdb);
  try {
    const files = await listLiveDataFiles(session, catalogFile);
    for (const file of files) await downloadToFile(store.blob(`Tables/${file.path}`), join(dir, 'Tables', file.path));
    await session.loadExtensions(['ducklake', 'sqlite_scanner']);
    await session.run(
      `ATTACH ${quoteLiteral(`ducklake:sqlite:${catalogFile}`)} AS lake (DATA_PATH ${quoteLiteral(join(dir, 'Tables') + '/')}, OVERRIDE_DATA_PATH true, READ_ONLY)`,
    );
    const [row] = await session.all<{ n: bigint; kwh: number }>(
      'SELECT count(*) AS n, round(sum(kwh), 2) AS kwh FROM lake.main.meter_readings',
    );
    return { rows: Number(row!.n), kwh: Number(row!.kwh) };
  } finally {
    session.close();
  }
}
