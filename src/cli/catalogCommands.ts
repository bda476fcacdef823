import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { defaultConnectionEnv, postgresConnection } from '../core/config/catalogStore';
import { CONFIG_FILE } from '../core/config/lakehouseConfig';
import { setEntryCatalog } from '../core/config/lakehouseFileEdit';
import { LakehouseError } from '../core/errors';
import { migrateToPostgres, migrateToSqlite } from '../core/team/migrate';
import { openCliLakehouse, type CliEnv } from './context';
import type { Output } from './output';

type Run = (work: (out: Output) => Promise<void>, json: boolean | undefined) => Promise<void>;

/** `lakehouse catalog migrate <lakehouse> --to postgres|sqlite`: team mode and back, same tables. */
export function registerCatalogCommands(program: Command, cli: CliEnv, run: Run): void {
  const catalog = program.command('catalog').description('where a lakehouse’s DuckLake catalog lives');
  catalog
    .command('migrate')
    .description('move the catalog to PostgreSQL (many writers) or back to the SQLite file under a lease')
    .argument('<lakehouse>', 'a name from lakehouse.yml')
    .requiredOption('--to <kind>', 'postgres or sqlite')
    .option(
      '--connection-env <name>',
      'the environment variable holding the PostgreSQL connection string (default LAKEHOUSE_PG_<NAME>)',
    )
    .option('--holder <name>', 'name stamped on the lease')
    .option('--json', 'print JSON')
    .action((name: string, opts: { to: string; connectionEnv?: string; holder?: string; json?: boolean }) =>
      run(async (out) => {
        if (opts.to !== 'postgres' && opts.to !== 'sqlite')
          throw new LakehouseError('usage', `--to must be postgres or sqlite, not '${opts.to}'.`);
        const file = join(cli.cwd, CONFIG_FILE);
        if (!existsSync(file))
          throw new LakehouseError('usage', `No ${CONFIG_FILE} in ${cli.cwd}: migrate names a lakehouse from it.`);
        const { entry, duckdb, store, guard } = await openCliLakehouse(name, { holder: opts.holder }, cli);
        const current = entry.catalogStore?.kind ?? 'sqlite';
        if (current === opts.to)
          throw new LakehouseError('usage', `The catalog of '${entry.name}' is already ${opts.to}.`);
        const connectionEnv =
          entry.catalogStore?.kind === 'postgres'
            ? entry.catalogStore.connectionEnv
            : (opts.connectionEnv ?? defaultConnectionEnv(entry.name));
        const connection = postgresConnection({ kind: 'postgres', connectionEnv }, entry.name, cli.env);
        const copied =
          opts.to === 'postgres'
            ? await migrateToPostgres({ entry, store, guard, connection, connectionEnv, duckdb })
            : await migrateToSqlite({ entry, store, guard, connection, duckdb });
        // lakehouse.yml follows, so the next command here uses the new catalog.
        writeFileSync(
          file,
          setEntryCatalog(readFileSync(file, 'utf8'), entry.name, opts.to === 'postgres' ? connectionEnv : undefined),
        );
        out.result(
          opts.to === 'postgres'
            ? `Moved ${entry.catalogPath} to PostgreSQL (${copied.snapshots} snapshots, ${copied.tables} catalog tables; connection from ${connectionEnv}). The SQLite file is retired: its lease stays held and SQLite writers are refused. ${CONFIG_FILE} now says catalog: { type: postgres, connection_env: ${connectionEnv} }.`
            : `Moved the PostgreSQL catalog back to ${entry.catalogPath} (${copied.snapshots} snapshots) and released its lease. The PostgreSQL catalog is retired; ${CONFIG_FILE} points at the SQLite file again.`,
          { ok: true, to: opts.to, connectionEnv, ...copied },
        );
      }, opts.json),
    );
}
