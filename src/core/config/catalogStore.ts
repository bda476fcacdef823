import { ConfigError } from '../errors';
import { credentialInLocation } from './credentials';

/**
 * Where a lakehouse's DuckLake catalog lives. `sqlite` (the default) is the
 * `metadata.db` file in `Files/`, written by one lease holder at a time;
 * `postgres` is a PostgreSQL database that many writers commit to at once
 * (team mode, docs/TEAM-MODE.md). The connection string of a PostgreSQL
 * catalog is never in lakehouse.yml: the entry names the environment variable
 * (or, in the editor, the SecretStorage key) that holds it.
 */
export type CatalogStore = { kind: 'sqlite' } | { kind: 'postgres'; connectionEnv: string };

export const SQLITE_CATALOG: CatalogStore = { kind: 'sqlite' };
const CATALOG_KEYS = ['type', 'path', 'connection_env'] as const;

/** `LAKEHOUSE_PG_SALES` for a lakehouse named `sales`: the suggested variable name. */
export function defaultConnectionEnv(lakehouse: string): string {
  return `LAKEHOUSE_PG_${lakehouse.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * Reads the `catalog:` value of a lakehouse entry: a path string (SQLite), or a
 * mapping `{ type: sqlite, path? }` / `{ type: postgres, connection_env }`.
 * Returns the store and the SQLite path (a PostgreSQL catalog keeps the default path, which
 * is where the retired SQLite file and its marker live).
 */
export function parseCatalogValue(
  value: unknown,
  where: string,
  defaultPath: string,
): { store: CatalogStore; path: string } {
  if (value === undefined) return { store: SQLITE_CATALOG, path: defaultPath };
  if (typeof value === 'string') return { store: SQLITE_CATALOG, path: value };
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError(
      `${where}: 'catalog' must be a path such as Files/metadata.db or a mapping such as { type: postgres, connection_env: LAKEHOUSE_PG_SALES }.`,
    );
  const map = value as Record<string, unknown>;
  const unknown = Object.keys(map).find((k) => !(CATALOG_KEYS as readonly string[]).includes(k));
  if (unknown !== undefined)
    throw new ConfigError(
      `${where}: 'catalog' has an unknown key '${unknown}'; a catalog has ${CATALOG_KEYS.join(', ')}.`,
      unknown === 'connection' || unknown === 'url' || unknown === 'dsn'
        ? 'Put the connection string in an environment variable and name it with connection_env: it is never written in lakehouse.yml.'
        : undefined,
    );
  const type = map.type ?? 'sqlite';
  if (type === 'sqlite') {
    if (map.connection_env !== undefined)
      throw new ConfigError(`${where}: 'connection_env' belongs to a catalog of type postgres.`);
    if (map.path !== undefined && typeof map.path !== 'string')
      throw new ConfigError(`${where}: 'catalog.path' must be a path such as Files/metadata.db.`);
    return { store: SQLITE_CATALOG, path: (map.path as string | undefined) ?? defaultPath };
  }
  if (type !== 'postgres')
    throw new ConfigError(`${where}: 'catalog.type' must be sqlite or postgres, not ${JSON.stringify(type)}.`);
  if (map.path !== undefined)
    throw new ConfigError(`${where}: a postgres catalog has no 'path'; its data stays in the lakehouse's Tables/.`);
  const env = map.connection_env;
  if (typeof env !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(env)) {
    // A connection string pasted where the variable's name belongs is refused without echoing it.
    const pasted = typeof env === 'string' && (/[=\s:/@]/.test(env) || credentialInLocation(env) !== undefined);
    throw new ConfigError(
      `${where}: 'catalog.connection_env' must name an environment variable${pasted ? ' (it looks like a connection string, which must never be written in lakehouse.yml)' : ''}.`,
      `Write e.g. connection_env: LAKEHOUSE_PG_SALES and set that variable to the connection string (in VS Code: "Lakehouse: Set PostgreSQL Catalog Connection").`,
    );
  }
  return { store: { kind: 'postgres', connectionEnv: env }, path: defaultPath };
}

/** The connection string for a PostgreSQL catalog, from the environment (the CLI) or what the editor supplies. */
export function postgresConnection(
  store: CatalogStore,
  lakehouse: string,
  env: Readonly<Record<string, string | undefined>>,
): string {
  if (store.kind !== 'postgres') throw new Error('not a postgres catalog');
  const value = env[store.connectionEnv];
  if (!value || !value.trim())
    throw new ConfigError(
      `The PostgreSQL catalog of '${lakehouse}' needs its connection string in the environment variable ${store.connectionEnv}, which is not set.`,
      `Set ${store.connectionEnv} to a libpq connection string such as "host=db.example.com port=5432 dbname=lake user=me" (or a postgresql:// URL), with the password in it or in ~/.pgpass. In VS Code use "Lakehouse: Set PostgreSQL Catalog Connection"; it is kept in SecretStorage.`,
    );
  return value.trim();
}
