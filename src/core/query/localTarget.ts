import { copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { LakehouseError } from '../errors';
import { attachTarget } from '../lake/catalogFormat';
import { quoteIdentifier, quoteLiteral } from '../lake/duckdb';
import { loadExtensions } from './extensions';
import type { LocalTargetSpec } from './targets';

/** The alias the local working catalog is attached under, as in runs: `lake.main.my_table`. */
export const LOCAL_ALIAS = 'lake';

const COPY_ATTEMPTS = 20;

/**
 * The pulled working catalog, queried from a private snapshot of its file,
 * attached READ_ONLY with the data files from the mirror (DuckLake data files
 * are immutable). Measured: attaching the live SQLite catalog, even read-only,
 * holds a SQLite read lock for as long as a query runs, and a run's COMMIT then
 * fails with "database is locked". A copy taken while no write is in flight
 * (no rollback journal, same size/mtime/inode before and after) is a
 * consistent catalog, and the live file is never opened by a query. A new
 * snapshot is taken whenever the catalog file changed (a run committed, a pull
 * replaced it), so a query always sees the latest commit.
 */
export class LocalCatalogs {
  private attached?: { key: string; signature: string; copy: string };
  private directory?: string;
  private seq = 0;

  constructor(private readonly extensionDirectory: string | undefined) {}

  async use(conn: DuckDBConnection, spec: LocalTargetSpec): Promise<void> {
    const key = `${spec.lakehouse}\0${spec.catalogFile}`;
    const signature = await fileSignature(spec.catalogFile);
    if (this.attached?.key !== key || this.attached.signature !== signature) {
      const snapshot = await this.snapshot(spec);
      await this.detach(conn);
      await loadExtensions(conn, ['ducklake', 'sqlite_scanner'], this.extensionDirectory);
      try {
        await conn.run(
          `ATTACH ${quoteLiteral(attachTarget(spec.format, snapshot.copy))} AS ${quoteIdentifier(LOCAL_ALIAS)} (DATA_PATH ${quoteLiteral(spec.dataRoot)}, OVERRIDE_DATA_PATH true, READ_ONLY)`,
        );
      } catch (error) {
        await rm(snapshot.copy, { force: true });
        throw error;
      }
      this.attached = { key, signature: snapshot.signature, copy: snapshot.copy };
    }
    await conn.run(`USE ${quoteIdentifier(LOCAL_ALIAS)}`);
  }

  async detach(conn: DuckDBConnection): Promise<void> {
    if (!this.attached) return;
    const { copy } = this.attached;
    this.attached = undefined;
    await conn.run('USE memory');
    await conn.run(`DETACH DATABASE IF EXISTS ${quoteIdentifier(LOCAL_ALIAS)}`);
    await rm(copy, { force: true });
  }

  close(): void {
    if (this.directory) void rm(this.directory, { recursive: true, force: true });
  }

  /** Copies the catalog while no write is in flight; retries while a run is committing. */
  private async snapshot(spec: LocalTargetSpec): Promise<{ copy: string; signature: string }> {
    this.directory ??= await mkdtemp(join(tmpdir(), 'lakehouse-query-catalog-'));
    const copy = join(this.directory, `catalog-${++this.seq}.db`);
    const journals = [`${spec.catalogFile}-journal`, `${spec.catalogFile}-wal`, `${spec.catalogFile}.wal`];
    for (let attempt = 0; attempt < COPY_ATTEMPTS; attempt++) {
      const before = await fileSignature(spec.catalogFile);
      if (!journals.some((j) => existsSync(j))) {
        await copyFile(spec.catalogFile, copy);
        const after = await fileSignature(spec.catalogFile);
        if (after === before && !journals.some((j) => existsSync(j))) return { copy, signature: after };
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await rm(copy, { force: true });
    // A journal that stays is a run mid-commit, or one a killed run or publish left: the query never opens
    // the live file to roll it back (that would lock out a live run's commit); the next run does.
    const journal = journals.find((j) => existsSync(j));
    throw new LakehouseError(
      'catalog-busy',
      journal
        ? `The local catalog of '${spec.lakehouse}' has a write in progress, or a run that stopped mid-commit left it unfinished (${basename(journal)} beside it).`
        : `The local catalog of '${spec.lakehouse}' kept changing while it was being read (a run is writing it).`,
      journal
        ? 'Run the query again when the run has finished. If nothing is running, run the models once: opening the catalog for writing rolls the unfinished commit back.'
        : 'Run the query again when the run has finished.',
    );
  }
}

async function fileSignature(file: string): Promise<string> {
  const info = await stat(file);
  return `${info.ino}:${info.size}:${info.mtimeMs}`;
}
