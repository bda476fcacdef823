import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolveEntries, type LakehouseEntry } from '../../../src/core/config/lakehouseConfig';
import { openCatalogLease } from '../../../src/core/lease/catalogLease';
import { LeaseGuard } from '../../../src/core/lease/leaseGuard';
import { startAzurite, type AzuriteServer } from '../../../src/core/storage/azurite';
import type { LakehouseStore } from '../../../src/core/storage/blobStore';
import { startCodeServer, type CodeServer } from './codeServer';
import { openWorkbench, type Workbench } from './workbench';

export const REPO = resolve(__dirname, '../../..');
export const VSIX = join(REPO, 'dist', 'lakehouse-dev.vsix');

/** Unpacks the packaged VSIX: the e2e tier tests exactly what `npm run package` ships. */
export function unpackVsix(vsix = VSIX): string {
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-vsix-'));
  execFileSync('python3', [
    '-c',
    'import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])',
    vsix,
    dir,
  ]);
  return join(dir, 'extension');
}

export interface LakehouseFixture {
  azurite: AzuriteServer;
  entry: LakehouseEntry;
  store: LakehouseStore;
  guard: LeaseGuard;
  workspace: string;
  /** A guard acting as another person, optionally with a shifted clock. */
  as(holder: string, now?: () => Date): LeaseGuard;
  stop(): Promise<void>;
}

/** Azurite as OneLake, a lakehouse with a real empty DuckLake catalog, and a workspace folder whose lakehouse.yml points at it. */
export async function lakehouseFixture(opts: { staleAfter: string; extraYaml?: string }): Promise<LakehouseFixture> {
  const azurite = await startAzurite({ location: mkdtempSync(join(tmpdir(), 'lakehouse-e2e-azurite-')) });
  const location = `azurite://${azurite.host}:${azurite.port}/e2e-workspace/sales.Lakehouse`;
  const [entry] = resolveEntries([{ name: 'sales', location, staleAfter: opts.staleAfter }], 'e2e');
  const { store, guard } = await openCatalogLease(entry!, {
    holder: 'setup@e2e',
    tool: 'lakehouse-dev/e2e',
    duckdb: { extensionDirectory: process.env.LAKEHOUSE_DUCKDB_EXTENSIONS },
  });
  await store.container.create();
  await guard.release(await guard.acquire({ operation: 'setup' }));
  await store.blob('Tables/main/meter_readings/ducklake-0001.parquet').uploadData(Buffer.from('PAR1'));
  await store.blob('Tables/main/sites/ducklake-0002.parquet').uploadData(Buffer.from('PAR1'));

  const workspace = mkdtempSync(join(tmpdir(), 'lakehouse-e2e-ws-'));
  writeFileSync(
    join(workspace, 'lakehouse.yml'),
    `lakehouses:\n  - name: sales\n    location: ${location}\n    staleAfter: ${opts.staleAfter}\n${opts.extraYaml ?? ''}`,
  );
  const as = (holder: string, now?: () => Date) =>
    new LeaseGuard({
      blob: store.blob(entry!.catalogPath),
      catalogName: 'metadata.db',
      staleAfterMs: entry!.staleAfterMs,
      holder,
      tool: 'lakehouse-dev/0.1.0',
      now,
    });
  return { azurite, entry: entry!, store, guard, workspace, as, stop: () => azurite.stop() };
}

export interface EditorSession {
  server: CodeServer;
  bench: Workbench;
  close(): Promise<void>;
}

/** code-server with the packaged extension on the lakehouse's workspace, the Lakehouse view open. */
export async function openLakehouseEditor(
  lake: Pick<LakehouseFixture, 'workspace'>,
  opts: { trusted?: boolean; env?: Record<string, string>; userSettings?: Record<string, unknown> } = {},
): Promise<EditorSession> {
  const server = await startCodeServer({
    workspace: lake.workspace,
    extensionDir: unpackVsix(),
    trusted: opts.trusted,
    env: { LAKEHOUSE_DUCKDB_EXTENSIONS: process.env.LAKEHOUSE_DUCKDB_EXTENSIONS ?? '', ...opts.env },
    userSettings: {
      'lakehouse.lease.refreshInterval': 0,
      'lakehouse.holder': 'e2e@code-server',
      ...opts.userSettings,
    },
  });
  const bench = await openWorkbench(server.url, lake.workspace);
  await bench.openViewContainer('Lakehouse');
  return {
    server,
    bench,
    close: async () => {
      await bench.close();
      await server.stop();
    },
  };
}

/**
 * Copies a screenshot from test-results/ to docs/images/ when asked
 * (LAKEHOUSE_UPDATE_DOC_IMAGES=1), so running the tests does not rewrite
 * committed images.
 */
export function updateDocImage(shot: string, name: string): void {
  if (process.env.LAKEHOUSE_UPDATE_DOC_IMAGES !== '1') return;
  mkdirSync(join(REPO, 'docs/images'), { recursive: true });
  copyFileSync(shot, join(REPO, 'docs/images', name));
}

/**
 * What a run leaves in the workspace before the editor opens: pulls the lakehouse into
 * `.lakehouse/sales/`, runs `statements` against the working catalog (attached as `lake`),
 * and publishes them when asked (so the tree lists them from storage, with Delta).
 */
export async function workLocally(
  lake: LakehouseFixture,
  statements: string[],
  opts: { publish?: boolean } = {},
): Promise<{ published?: string }> {
  const { DuckDBSession } = await import('../../../src/core/lake/duckdb');
  const { attachWorkingCatalog } = await import('../../../src/core/lake/lakeSession');
  const { LocalMirror } = await import('../../../src/core/lake/localMirror');
  const { pull } = await import('../../../src/core/lake/pull');
  const { publish } = await import('../../../src/core/publish/publish');
  const mirror = LocalMirror.forLakehouse(lake.workspace, 'sales');
  const session = await DuckDBSession.open({ extensionDirectory: process.env.LAKEHOUSE_DUCKDB_EXTENSIONS });
  try {
    const { state } = await pull({ entry: lake.entry, store: lake.store, mirror, session });
    await attachWorkingCatalog(session, mirror, state);
    for (const sql of statements) await session.run(sql);
    await session.run('DETACH lake');
    if (!opts.publish) return {};
    const summary = await publish({ entry: lake.entry, store: lake.store, guard: lake.guard, mirror, session });
    return { published: summary.status };
  } finally {
    session.close();
  }
}
