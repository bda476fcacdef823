import { copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { attachTarget } from '../lake/catalogFormat';
import { quoteIdentifier, quoteLiteral } from '../lake/duckdb';
import { loadExtensions } from './extensions';
import type { LocalTargetSpec } from './targets';

/** The alias the local working catalog is attached under, as in runs: `lake.main.my_table`. */
export const LOCAL_ALIAS = 'lake';

/**
 * The pulled working catalog, attached READ_ONLY with the data files from the
 * mirror, so a query never writes the catalog and never holds a write lock a
 * run would wait on. A SQLite catalog is read in place (SQLite readers share
 * the file with a writer); a DuckDB-file catalog is copied first, because
 * DuckDB locks its files against other processes. Re-attached when the
 * catalog file changed (a run committed, a pull replaced it).
 */
export class LocalCatalogs {
  private attached?: { key: string; signature: string; copy?: string };

  constructor(private readonly extensionDirectory: string | undefined) {}

  async use(conn: DuckDBConnection, spec: LocalTargetSpec): Promise<void> {
    const info = await stat(spec.catalogFile);
    const signature = `${info.ino}:${info.size}:${info.mtimeMs}`;
    const key = `${spec.lakehouse}\0${spec.catalogFile}`;
    if (this.attached?.key !== key || this.attached.signature !== signature) {
      await this.detach(conn);
      await loadExtensions(conn, ['ducklake', 'sqlite_scanner'], this.extensionDirectory);
      let file = spec.catalogFile;
      let copy: string | undefined;
      if (spec.format === 'duckdb') {
        copy = await mkdtemp(join(tmpdir(), 'lakehouse-query-catalog-'));
        file = join(copy, 'metadata.db');
        await copyFile(spec.catalogFile, file);
      }
      await conn.run(
        `ATTACH ${quoteLiteral(attachTarget(spec.format, file))} AS ${quoteIdentifier(LOCAL_ALIAS)} (DATA_PATH ${quoteLiteral(spec.dataRoot)}, OVERRIDE_DATA_PATH true, READ_ONLY)`,
      );
      this.attached = { key, signature, copy };
    }
    await conn.run(`USE ${quoteIdentifier(LOCAL_ALIAS)}`);
  }

  async detach(conn: DuckDBConnection): Promise<void> {
    if (!this.attached) return;
    const { copy } = this.attached;
    this.attached = undefined;
    await conn.run(`USE memory`);
    await conn.run(`DETACH DATABASE IF EXISTS ${quoteIdentifier(LOCAL_ALIAS)}`);
    if (copy) await rm(copy, { recursive: true, force: true });
  }
}
