import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBSession } from '../../../src/core/lake/duckdb';
import { attachWorkingCatalog } from '../../../src/core/lake/lakeSession';
import { LocalMirror } from '../../../src/core/lake/localMirror';
import { pull } from '../../../src/core/lake/pull';
import { publish, type PublishOptions } from '../../../src/core/publish/publish';
import type { LakehouseStore } from '../../../src/core/storage/blobStore';
import { duckdb, freshLakehouse, guardFor } from './lakehouse';

type Lake = Awaited<ReturnType<typeof freshLakehouse>>;

/** One developer's machine: their own mirror and DuckDB, pulling from and publishing to the shared lakehouse. */
export class Developer {
  readonly mirror: LocalMirror;
  readonly guard;

  private constructor(
    readonly lake: Lake,
    readonly name: string,
    readonly session: DuckDBSession,
  ) {
    this.mirror = new LocalMirror(mkdtempSync(join(tmpdir(), `lakehouse-dev-${name}-`)));
    this.guard = guardFor(lake.entry, lake.store, {
      holder: `${name}@laptop`,
      singleShotLimitBytes: lake.singleShotLimitBytes,
    });
  }

  static async create(lake: Lake, name: string): Promise<Developer> {
    return new Developer(lake, name, await DuckDBSession.open({ ...duckdb, threads: 2 }));
  }

  pull() {
    return pull({ entry: this.lake.entry, store: this.lake.store, mirror: this.mirror, session: this.session });
  }

  /** Runs SQL against the local catalog, as a model run would. */
  async run(...sql: string[]): Promise<void> {
    const state = (await this.mirror.readState())!;
    await attachWorkingCatalog(this.session, this.mirror, state);
    try {
      for (const statement of sql) await this.session.run(statement);
    } finally {
      await this.session.run('DETACH lake');
    }
  }

  publish(extra: Partial<PublishOptions> = {}) {
    return publish({
      entry: this.lake.entry,
      store: this.lake.store,
      guard: this.guard,
      mirror: this.mirror,
      session: this.session,
      ...extra,
    });
  }

  close(): void {
    this.session.close();
  }
}

/** Downloads a folder of the lakehouse (e.g. a Delta table) to read it as Fabric would. */
export async function downloadFolder(store: LakehouseStore, folder: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-folder-'));
  const prefix = `${store.location.item}/${folder.replace(/\/?$/, '/')}`;
  for await (const blob of store.container.listBlobsFlat({ prefix })) {
    const target = join(dir, blob.name.slice(prefix.length));
    mkdirSync(dirname(target), { recursive: true });
    await store.container.getBlobClient(blob.name).downloadToFile(target);
  }
  return dir;
}

export async function countBlobs(store: LakehouseStore, folder: string): Promise<number> {
  let n = 0;
  for await (const _ of store.container.listBlobsFlat({ prefix: `${store.location.item}/${folder}` })) n++;
  return n;
}
