import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TokenCredential } from '@azure/identity';
import {
  CONFIG_FILE,
  DEFAULT_CATALOG_PATH,
  parseLakehouseFile,
  resolveEntries,
  type LakehouseEntry,
} from '../core/config/lakehouseConfig';
import { ConfigError } from '../core/errors';
import { resolveExtensionDirectory, type DuckDBOptions } from '../core/lake/duckdb';
import { defaultHolder, TOOL } from '../core/identity';
import { openCatalogLease } from '../core/lease/catalogLease';
import { loopbackTestCredential, oneLakeEndpointOverride } from '../core/storage/endpoint';

export interface CliEnv {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/**
 * A lakehouse named on the command line: a location URI, or the name of an
 * entry in ./lakehouse.yml.
 */
export function resolveLakehouse(
  arg: string | undefined,
  opts: { catalog?: string; staleAfter?: string },
  cli: CliEnv,
): LakehouseEntry {
  const file = join(cli.cwd, CONFIG_FILE);
  if (arg && arg.includes('://')) {
    const [entry] = resolveEntries(
      [
        {
          name: 'cli',
          location: arg,
          catalog: opts.catalog ?? DEFAULT_CATALOG_PATH,
          staleAfter: opts.staleAfter ?? cli.env.LAKEHOUSE_STALE_AFTER,
        },
      ],
      'command line',
    );
    return entry!;
  }
  if (!existsSync(file)) {
    throw new ConfigError(
      arg
        ? `'${arg}' is not a location and there is no ${CONFIG_FILE} here to look it up in.`
        : `No lakehouse given and no ${CONFIG_FILE} in ${cli.cwd}.`,
      'Pass a location such as onelake://<workspace>/<lakehouse>.Lakehouse.',
    );
  }
  const entries = parseLakehouseFile(readFileSync(file, 'utf8'), file);
  const entry = arg ? entries.find((e) => e.name === arg) : entries.length === 1 ? entries[0] : undefined;
  if (!entry) {
    const names = entries.map((e) => e.name).join(', ') || 'none';
    throw new ConfigError(
      arg
        ? `No lakehouse named '${arg}' in ${file} (has: ${names}).`
        : `${file} lists several lakehouses (${names}); name one.`,
    );
  }
  return {
    ...entry,
    catalogPath: opts.catalog ?? entry.catalogPath,
    staleAfterMs: opts.staleAfter
      ? resolveEntries([{ name: 'x', location: entry.location.uri, staleAfter: opts.staleAfter }], 'command line')[0]!
          .staleAfterMs
      : entry.staleAfterMs,
  };
}

/** DuckDB settings for the CLI: env overrides, then a folder provisioned next to the package. */
export function cliDuckDBOptions(cli: CliEnv): DuckDBOptions {
  const packageRoot = resolve(__dirname, '..');
  return {
    extensionDirectory: resolveExtensionDirectory(
      undefined,
      cli.env,
      join(packageRoot, '.duckdb-extensions'),
      existsSync,
    ),
    memoryLimit: cli.env.LAKEHOUSE_MEMORY_LIMIT,
    threads: cli.env.LAKEHOUSE_THREADS ? Number(cli.env.LAKEHOUSE_THREADS) : undefined,
  };
}

export function cliHolder(option: string | undefined, cli: CliEnv): string {
  return option ?? cli.env.LAKEHOUSE_HOLDER ?? defaultHolder();
}

/** Entra credential for OneLake (az login, environment, managed identity…); loaded only when needed. */
export async function cliCredential(
  entry: LakehouseEntry,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TokenCredential | undefined> {
  if (entry.location.kind === 'azurite') return undefined;
  // The loopback test rig (LAKEHOUSE_ONELAKE_ENDPOINT) gets a worthless fixed token, never a real one.
  if (entry.location.kind === 'onelake' && oneLakeEndpointOverride(env)) return loopbackTestCredential();
  const { DefaultAzureCredential } = await import('@azure/identity');
  return new DefaultAzureCredential();
}

/** Where `lease acquire` remembers lease ids for a later `lease release` in the same folder. */
export function leaseStateFile(entry: LakehouseEntry, cli: CliEnv): string {
  const key = `${entry.location.container}__${entry.location.item}__${entry.catalogPath}`.replace(/[^\w.-]+/g, '_');
  return join(cli.cwd, '.lakehouse', 'leases', `${key}.json`);
}

export function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** A lakehouse named on the command line, with its store and lease guard (and the DuckDB options to use). */
export async function openCliLakehouse(
  arg: string | undefined,
  opts: { catalog?: string; staleAfter?: string; holder?: string },
  cli: CliEnv,
) {
  const entry = resolveLakehouse(arg, opts, cli);
  const duckdb = cliDuckDBOptions(cli);
  const { store, guard } = await openCatalogLease(entry, {
    credential: await cliCredential(entry, cli.env),
    holder: cliHolder(opts.holder, cli),
    tool: TOOL,
    duckdb,
  });
  return { entry, duckdb, store, guard };
}
