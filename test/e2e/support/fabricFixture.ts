import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LakehouseEntry } from '../../../src/core/config/lakehouseConfig';
import { discoveredLocation } from '../../../src/core/fabric';
import { createEmptyCatalog } from '../../../src/core/lake/emptyCatalog';
import { LeaseGuard } from '../../../src/core/lease/leaseGuard';
import { startAzurite, type AzuriteServer } from '../../../src/core/storage/azurite';
import { openLakehouseStore, type LakehouseStore } from '../../../src/core/storage/blobStore';
import { loopbackTestCredential } from '../../../src/core/storage/endpoint';
import { tablesUrl } from '../../../src/core/storage/location';
import { startFakeFabric, type FakeFabric } from '../../support/fakeFabric';
import { startOneLakeProxy, type OneLakeProxy } from '../../support/onelakeProxy';

export const TENANT = '7d5e0c1a-3b2f-4e6d-9a8b-1c2d3e4f5a6b';
export const USER = 'dev@contoso.example';
/** A tenant the user is a guest in. */
export const GUEST_TENANT = '9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a';
export const SALES_WS = { id: 'a1b2c3d4-0000-4000-8000-00000000e2e1', displayName: 'Sales Analytics' };
export const SALES_LH = { id: 'b1b2c3d4-0000-4000-8000-00000000e2e2', displayName: 'sales' };
export const STAGING_LH = { id: 'c1b2c3d4-0000-4000-8000-00000000e2e3', displayName: 'staging' };

export interface FabricFixture {
  azurite: AzuriteServer;
  /** OneLake's rules in front of strict Azurite; the extension reaches it through LAKEHOUSE_ONELAKE_ENDPOINT. */
  proxy: OneLakeProxy;
  fabric: FakeFabric;
  /** The user's tokens for the home tenant and the guest tenant (LAKEHOUSE_TEST_FABRIC_TOKEN). */
  token: string;
  entry: LakehouseEntry;
  store: LakehouseStore;
  workspace: string;
  stop(): Promise<void>;
}

/** A Delta commit as Export Delta writes it (with its DuckLake export marker), for one table. */
function exportedCommit(snapshotId: number): string {
  const marker = {
    snapshotId,
    tableId: 2,
    tableUuid: null,
    numFiles: 1,
    numRecords: 3,
    filesHash: 'e2e',
    metadataHash: 'e2e',
    partitionColumns: [],
  };
  return [
    { commitInfo: { timestamp: Date.now(), operation: 'WRITE', operationParameters: {}, ducklakeExport: marker } },
    { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
    {
      metaData: {
        id: 'e2e',
        format: { provider: 'parquet', options: {} },
        schemaString: '{"type":"struct","fields":[]}',
        partitionColumns: [],
        configuration: {},
      },
    },
    { add: { path: 'ducklake-0002.parquet', size: 4, modificationTime: 0, dataChange: true } },
  ]
    .map((a) => JSON.stringify(a))
    .join('\n');
}

/**
 * The Fabric e2e world: the fake Fabric REST server (one tenant, three
 * workspaces over two pages, OneLake's real host names as their endpoints)
 * and the OneLake-shaped proxy in front of strict Azurite serving them, where
 * Sales Analytics/sales has a real DuckLake catalog held by someone else, and
 * tables; staging has no catalog.
 */
export async function fabricFixture(): Promise<FabricFixture> {
  const azurite = await startAzurite({ location: mkdtempSync(join(tmpdir(), 'lakehouse-e2e-fabric-azurite-')) });
  const proxy = await startOneLakeProxy({ azurite: azurite.accountUrl });
  for (const lakehouse of [SALES_LH, STAGING_LH]) {
    await proxy.addLakehouse({
      workspace: SALES_WS.displayName,
      workspaceId: SALES_WS.id,
      item: lakehouse.displayName,
      itemId: lakehouse.id,
    });
  }
  const fabric = await startFakeFabric({
    pageSize: 2,
    tenants: {
      [TENANT]: {
        workspaces: [
          { ...SALES_WS, lakehouses: [SALES_LH, STAGING_LH] },
          { id: 'a1b2c3d4-0000-4000-8000-00000000e2e4', displayName: 'Marketing', lakehouses: [] },
          { id: 'a1b2c3d4-0000-4000-8000-00000000e2e5', displayName: 'My workspace', type: 'Personal', lakehouses: [] },
        ],
      },
      [GUEST_TENANT]: {
        workspaces: [{ id: 'f1b2c3d4-0000-4000-8000-00000000e2e6', displayName: 'Fabrikam Shared', lakehouses: [] }],
      },
    },
  });
  const token = `${fabric.issueToken(TENANT, USER)},${fabric.issueToken(GUEST_TENANT, USER)}`;

  // The same location the extension derives from discovery, reached through the proxy.
  const location = discoveredLocation(
    { ...SALES_WS, type: 'Workspace' },
    { ...SALES_LH, type: 'Lakehouse', workspaceId: SALES_WS.id },
  );
  const entry: LakehouseEntry = {
    name: 'sales',
    location,
    catalogPath: 'Files/metadata.db',
    staleAfterMs: 12 * 3_600_000,
    source: 'e2e',
  };
  const store = await openLakehouseStore(
    location,
    { kind: 'token', credential: loopbackTestCredential() },
    { oneLakeEndpoint: proxy.blobEndpoint },
  );
  const guardAs = (holder: string) =>
    new LeaseGuard({
      blob: store.blob(entry.catalogPath),
      catalogName: 'metadata.db',
      staleAfterMs: entry.staleAfterMs,
      holder,
      tool: 'lakehouse-dev/e2e',
      createEmptyCatalog: () =>
        createEmptyCatalog(tablesUrl(location), { extensionDirectory: process.env.LAKEHOUSE_DUCKDB_EXTENSIONS }),
      stagingBlob: (suffix) => store.blob(`${entry.catalogPath}${suffix}`),
    });
  const setup = guardAs('setup@e2e');
  await setup.release(await setup.acquire({ operation: 'setup' }));
  await store.blob('Tables/main/meter_readings/ducklake-0001.parquet').uploadData(Buffer.from('PAR1'));
  await store.blob('Tables/main/sites/ducklake-0002.parquet').uploadData(Buffer.from('PAR1'));
  await store.blob('Tables/main/sites/_delta_log/00000000000000000000.json').uploadData(Buffer.from(exportedCommit(1)));
  await store.blob('Tables/main/sites/_delta_log/00000000000000000001.json').uploadData(Buffer.from(exportedCommit(3)));
  await store.blob('Files/raw/readings-2026-11.csv').uploadData(Buffer.from('site,kwh\n1,2\n'));
  // Someone else holds the catalog: the tree must show who.
  await guardAs('ana@laptop').acquire({ operation: 'publish' });
  proxy.reset();

  const workspace = mkdtempSync(join(tmpdir(), 'lakehouse-e2e-fabric-ws-'));
  writeFileSync(join(workspace, 'lakehouse.yml'), '# Lakehouses this project works with (keep this comment)\n');
  return {
    azurite,
    proxy,
    fabric,
    token,
    entry,
    store,
    workspace,
    stop: async () => {
      await fabric.stop();
      await proxy.stop();
      await azurite.stop();
    },
  };
}
