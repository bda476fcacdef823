import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdentifier, quoteLiteral } from '../lake/duckdb';
import type { LocationKind } from '../storage/location';
import type { PublishedAuth } from './targets';

/** What a DuckDB azure secret for a lakehouse's storage is made from. */
export interface StorageAccess {
  locationKind: LocationKind;
  accountUrl: string;
  container: string;
  auth: PublishedAuth;
}

/**
 * A DuckDB azure secret for the lakehouse's storage, scoped to `scope`:
 * Azurite's key as a connection string, or an Entra token. Replaced on every
 * use so a refreshed token takes effect; it lives in the engine's memory only.
 */
export async function createStorageSecret(
  conn: DuckDBConnection,
  name: string,
  access: StorageAccess,
  scope: string,
): Promise<void> {
  const secret = quoteIdentifier(name);
  if (access.auth.kind === 'sharedKey') {
    const url = new URL(access.accountUrl);
    const connection = `DefaultEndpointsProtocol=${url.protocol.replace(':', '')};AccountName=${access.auth.account};AccountKey=${access.auth.key};BlobEndpoint=${access.accountUrl};`;
    await conn.run(
      `CREATE OR REPLACE SECRET ${secret} (TYPE azure, CONNECTION_STRING ${quoteLiteral(connection)}, SCOPE ${quoteLiteral(scope)})`,
    );
    return;
  }
  const account = access.locationKind === 'onelake' ? 'onelake' : new URL(access.accountUrl).hostname.split('.')[0]!;
  await conn.run(
    `CREATE OR REPLACE SECRET ${secret} (TYPE azure, PROVIDER access_token, ACCESS_TOKEN ${quoteLiteral(access.auth.token)}, ACCOUNT_NAME ${quoteLiteral(account)}, SCOPE ${quoteLiteral(scope)})`,
  );
}
