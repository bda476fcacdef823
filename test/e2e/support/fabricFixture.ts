import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveEntries, type LakehouseEntry } from '../../../src/core/config/lakehouseConfig';
import { openCatalogLease } from '../../../src/core/lease/catalogLease';
import { LeaseGuard } from '../../../src/core/lease/leaseGuard';
import { startAzurite, type AzuriteServer } from '../../../src/core/storage/azurite';
import type { LakehouseStore } from '../../../src/core/storage/blobStore';
import { startFakeFabric, type FakeFabric } from '../../support/fakeFabric';

export const TENANT = '7d5e0c1a-3b2f-4e6d-9a8b-1c2d3e4f5a6b';
export const USER = 'dev@contoso.example';
export const SALES_WS = { id: 'a1b2c3d4-0000-4000-8000-00000000e2e1', displayName: 'Sales Analytics' };
export const SALES_LH = { id: 'b1b2c3d4-0000-4000-8000-00000000e2e2', displayName: 'sales' };
export const STAGING_LH = { id: 'c1b2c3d4-0000-4000-8000-00000000e2e3', displayName: 'staging' };

export interface FabricFixture {
  azurite: AzuriteServer;
  fabric: FakeFabric;
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
 * workspaces over two pages) whose workspaces' OneLake endpoints point at
 * Azurite, where the Sales Analytics/sales lakehouse has a real DuckLake
 * catalog held by someone else, and tables; staging has no catalog.
 */
export async function fabricFixture(): Promise<FabricFixture> {
  const azurite = await startAzurite({ location: mkdtempSync(join(tmpdir(), 'lakehouse-e2e-fabric-azurite-')) });
  const blobEndpoint = `http://${azurite.host}:${azurite.port}/devstoreaccount1`;
  const fabric = await startFakeFabric({
    pageSize: 2,
    oneLakeEndpoints: { blobEndpoint, dfsEndpoint: blobEndpoint },
    tenants: {
      [TENANT]: {
        workspaces: [
          { ...SALES_WS, lakehouses: [SALES_LH, STAGING_LH] },
          { id: 'a1b2c3d4-0000-4000-8000-00000000e2e4', displayName: 'Marketing', lakehouses: [] },
          { id: 'a1b2c3d4-0000-4000-8000-00000000e2e5', displayName: 'My workspace', type: 'Personal', lakehouses: [] },
        ],
      },
    },
  });
  const token = fabric.issueToken(TENANT, USER);

  const location = `azurite://${azurite.host}:${azurite.port}/${SALES_WS.id}/${SALES_LH.id}`;
  const [entry] = resolveEntries([{ name: 'sales', location, staleAfter: '12h' }], 'e2e');
  const { store, guard } = await openCatalogLease(entry!, {
    holder: 'setup@e2e',
    tool: 'lakehouse-dev/e2e',
    duckdb: { extensionDirectory: process.env.LAKEHOUSE_DUCKDB_EXTENSIONS },
  });
  await store.container.create();
  await guard.release(await guard.acquire({ operation: 'setup' }));
  await store.blob('Tables/main/meter_readings/ducklake-0001.parquet').uploadData(Buffer.from('PAR1'));
  await store.blob('Tables/main/sites/ducklake-0002.parquet').uploadData(Buffer.from('PAR1'));
  await store.blob('Tables/main/sites/_delta_log/00000000000000000000.json').uploadData(Buffer.from(exportedCommit(1)));
  await store.blob('Tables/main/sites/_delta_log/00000000000000000001.json').uploadData(Buffer.from(exportedCommit(3)));
  await store.blob('Files/raw/readings-2026-11.csv').uploadData(Buffer.from('site,kwh\n1,2\n'));
  // Someone else holds the catalog: the tree must show who.
  await new LeaseGuard({
    blob: store.blob(entry!.catalogPath),
    catalogName: 'metadata.db',
    staleAfterMs: entry!.staleAfterMs,
    holder: 'ana@laptop',
    tool: 'lakehouse-dev/0.1.0',
  }).acquire({ operation: 'publish' });

  const workspace = mkdtempSync(join(tmpdir(), 'lakehouse-e2e-fabric-ws-'));
  writeFileSync(join(workspace, 'lakehouse.yml'), '# Lakehouses this project works with (keep this comment)\n');
  return {
    azurite,
    fabric,
    token,
    entry: entry!,
    store,
    workspace,
    stop: async () => {
      await fabric.stop();
      await azurite.stop();
    },
  };
}
