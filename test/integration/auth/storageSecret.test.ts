import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { resolveEntries } from '../../../src/core/config/lakehouseConfig';
import { parseStorageSecret } from '../../../src/core/config/storageSecret';
import { openCatalogLease } from '../../../src/core/lease/catalogLease';
import { AZURITE_KEY } from '../../../src/core/storage/azurite';

const duckdb = { extensionDirectory: process.env.LAKEHOUSE_DUCKDB_EXTENSIONS };

/** The auth a stored connection string gives (what StorageSecrets.authFor returns). */
function authFrom(connectionString: string) {
  const secret = parseStorageSecret(connectionString);
  if (secret.kind !== 'accountKey') throw new Error('expected an account key');
  return { kind: 'sharedKey' as const, account: secret.account, key: secret.key };
}

describe('a stored connection string is the storage auth', () => {
  const url = new URL(inject('azuriteUrl'));
  const [entry] = resolveEntries(
    [{ name: 'plain', location: `azurite://${url.host}/secret-${randomBytes(4).toString('hex')}/lake.Lakehouse` }],
    'test',
  );

  it('signs with the account key from the connection string', async () => {
    const auth = authFrom(
      `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_KEY};BlobEndpoint=${url.href}`,
    );
    const { store, guard } = await openCatalogLease(entry!, { auth, holder: 'me', tool: 't', duckdb });
    await store.container.create();
    expect((await guard.inspect()).status).toBe('missing');
  });

  it('is really used: a wrong key is refused by the service', async () => {
    const wrong = Buffer.from('not the key').toString('base64');
    const auth = authFrom(`AccountName=devstoreaccount1;AccountKey=${wrong}`);
    const { guard } = await openCatalogLease(entry!, { auth, holder: 'me', tool: 't', duckdb });
    await expect(guard.inspect()).rejects.toMatchObject({ code: 'storage' });
  });
});
