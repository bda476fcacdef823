import type { DuckDBConnection } from '@duckdb/node-api';
import { redactSecrets } from '../config/credentials';
import { LakehouseError } from '../errors';
import { quoteIdentifier, quoteLiteral } from '../lake/duckdb';
import { duckdbErrorInfo } from './errors';
import { loadExtensions } from './extensions';
import { LOCAL_ALIAS } from './localTarget';
import { createStorageSecret } from './storageSecret';
import type { TeamTargetSpec } from './targets';

const SECRET_NAME = 'team_lakehouse_tables';

/**
 * The local target in team mode: the PostgreSQL DuckLake catalog itself,
 * attached READ_ONLY under the same alias as a pulled catalog (`lake`), its
 * Parquet read straight from the lakehouse's Tables/ through the azure
 * extension. The attach is kept between queries: DuckLake reads the latest
 * snapshot at the start of each transaction, so every query sees the commits
 * other writers made meanwhile, and a read-only attach can write nothing.
 */
export class TeamCatalogs {
  private attached?: string;

  constructor(private readonly extensionDirectory: string | undefined) {}

  async use(conn: DuckDBConnection, spec: TeamTargetSpec): Promise<void> {
    await loadExtensions(conn, ['ducklake', 'postgres_scanner', 'azure'], this.extensionDirectory);
    // Every use: a refreshed Entra token takes effect.
    await createStorageSecret(conn, SECRET_NAME, spec, storageScope(spec.dataPath));
    const key = `${spec.lakehouse}\0${spec.connection}\0${spec.dataPath}`;
    if (this.attached !== key) {
      await this.detach(conn);
      try {
        await conn.run(
          `ATTACH ${quoteLiteral(`ducklake:postgres:${spec.connection}`)} AS ${quoteIdentifier(LOCAL_ALIAS)} (DATA_PATH ${quoteLiteral(spec.dataPath)}, READ_ONLY)`,
        );
      } catch (error) {
        throw new LakehouseError(
          'catalog-unreachable',
          scrubConnection(
            `Cannot read the PostgreSQL catalog of '${spec.lakehouse}': ${duckdbErrorInfo(error).message.split('\n')[0]}`,
            spec.connection,
          ),
          `Check the connection string in ${spec.connectionEnv} (in VS Code: Lakehouse: Set PostgreSQL Catalog Connection), that the server is up, and that a team run has laid the catalog out ('lakehouse run ${spec.lakehouse}').`,
        );
      }
      this.attached = key;
    }
    await conn.run(`USE ${quoteIdentifier(LOCAL_ALIAS)}`);
  }

  async detach(conn: DuckDBConnection): Promise<void> {
    if (!this.attached) return;
    this.attached = undefined;
    await conn.run('USE memory');
    await conn.run(`DETACH DATABASE IF EXISTS ${quoteIdentifier(LOCAL_ALIAS)}`);
  }
}

/** The container the secret covers: `az://<container>/` or `abfss://<container>@<host>/`. */
function storageScope(dataPath: string): string {
  return dataPath.slice(0, dataPath.indexOf('/', dataPath.indexOf('://') + 3) + 1);
}

/**
 * The parts of a connection string no output may show: the whole string and
 * its password (libpq `password=…`, quoted or not, or a URL's `user:pass@`).
 */
export function connectionSecrets(connection: string): string[] {
  const secrets = [connection];
  const keyValue = /(?:^|[\s?&])password\s*=\s*('(?:[^'\\]|\\.)*'|[^\s&]+)/i.exec(connection)?.[1];
  if (keyValue) secrets.push(keyValue, keyValue.replace(/^'(.*)'$/, '$1'));
  const url = /^[a-z][\w+.-]*:\/\/[^/:@\s]*:([^@\s/]+)@/i.exec(connection)?.[1];
  if (url) secrets.push(url, safeDecode(url));
  return secrets.filter((s) => s.length >= 4);
}

/** Masks the connection string and its password in `text`, then every other credential shape. */
export function scrubConnection(text: string, connection: string): string {
  let out = text;
  for (const secret of connectionSecrets(connection).sort((a, b) => b.length - a.length))
    out = out.split(secret).join('***');
  return redactSecrets(out);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
