import { LakehouseError } from '../errors';
import { quoteIdentifier, quoteLiteral, type DuckDBSession } from '../lake/duckdb';
import type { StorageAuth } from '../storage/blobStore';
import { tablesUrl, type LakehouseLocation } from '../storage/location';

const STORAGE_SCOPE = 'https://storage.azure.com/.default';

/**
 * Lets a DuckDB session read and write the lakehouse's `Tables/` through
 * DuckDB's azure extension: a secret scoped to the item's container, from
 * Azurite's fixed key or an Entra token. In team mode models write their
 * Parquet straight there, so a file exists before the catalog commit that
 * names it (docs/TEAM-MODE.md). The secret lives in the session's memory only.
 */
export async function grantLakehouseStorage(
  session: DuckDBSession,
  location: LakehouseLocation,
  auth: StorageAuth,
): Promise<string> {
  await session.loadExtensions(['azure']);
  const name = quoteIdentifier('lakehouse_tables');
  const dataPath = tablesUrl(location);
  const scope = dataPath.slice(0, dataPath.indexOf('/', dataPath.indexOf('://') + 3) + 1);
  if (auth.kind === 'sharedKey') {
    const connection = `DefaultEndpointsProtocol=${new URL(location.accountUrl).protocol.replace(':', '')};AccountName=${auth.account};AccountKey=${auth.key};BlobEndpoint=${location.accountUrl};`;
    await session.run(
      `CREATE OR REPLACE SECRET ${name} (TYPE azure, CONNECTION_STRING ${quoteLiteral(connection)}, SCOPE ${quoteLiteral(scope)})`,
    );
    return dataPath;
  }
  const token = await auth.credential.getToken(STORAGE_SCOPE);
  if (!token)
    throw new LakehouseError('auth', `No storage token for ${location.uri}.`, 'Sign in again, then run once more.');
  const account = location.kind === 'onelake' ? 'onelake' : new URL(location.accountUrl).hostname.split('.')[0]!;
  await session.run(
    `CREATE OR REPLACE SECRET ${name} (TYPE azure, PROVIDER access_token, ACCESS_TOKEN ${quoteLiteral(token.token)}, ACCOUNT_NAME ${quoteLiteral(account)}, SCOPE ${quoteLiteral(scope)})`,
  );
  return dataPath;
}
