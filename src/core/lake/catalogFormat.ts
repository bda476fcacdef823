import { refuseCatalogCode } from '../ducklake/catalogSafety';
import { CatalogFormatError } from '../ducklake/errors';
import { checkCatalogVersion, sniffCatalogFormat, type CatalogFormat } from '../ducklake/format';
import { DuckDBSession, quoteIdentifier, quoteLiteral } from './duckdb';

// The one sniffer, version policy and errors live in core/ducklake; re-exported for existing callers.
export { CatalogFormatError } from '../ducklake/errors';
export { sniffCatalogFormat, SUPPORTED_CATALOG_VERSIONS, type CatalogFormat } from '../ducklake/format';

/** The `ATTACH` target for a catalog file. */
export function attachTarget(format: CatalogFormat, file: string): string {
  return format === 'sqlite' ? `ducklake:sqlite:${file}` : `ducklake:${file}`;
}

/**
 * Reads the catalog's own tables without attaching it as a DuckLake, so a
 * broken or foreign catalog is diagnosed before DuckLake touches it.
 */
export class CatalogTables {
  private constructor(
    private readonly session: DuckDBSession,
    private readonly format: CatalogFormat,
    private readonly file: string,
    private readonly alias: string | undefined,
  ) {}

  static async open(session: DuckDBSession, file: string): Promise<CatalogTables> {
    const format = await sniffCatalogFormat(file);
    if (format === 'sqlite') {
      await session.loadExtensions(['sqlite_scanner']);
      return new CatalogTables(session, format, file, undefined);
    }
    const alias = `catalog_${Math.random().toString(36).slice(2, 10)}`;
    await session.run(`ATTACH ${quoteLiteral(file)} AS ${quoteIdentifier(alias)} (READ_ONLY)`);
    try {
      await refuseCatalogCode(session, alias);
    } catch (error) {
      await session.run(`DETACH ${quoteIdentifier(alias)}`);
      throw error;
    }
    return new CatalogTables(session, format, file, alias);
  }

  get catalogFormat(): CatalogFormat {
    return this.format;
  }

  /** A FROM-clause expression for one catalog table, e.g. `ducklake_data_file`. */
  table(name: string): string {
    return this.alias
      ? `${quoteIdentifier(this.alias)}.${quoteIdentifier(name)}`
      : `sqlite_scan(${quoteLiteral(this.file)}, ${quoteLiteral(name)})`;
  }

  async metadata(): Promise<Record<string, string>> {
    let rows: Array<{ key: string; value: string }>;
    try {
      rows = await this.session.all(
        `SELECT key, value FROM ${this.table('ducklake_metadata')} WHERE scope IS NULL OR scope = ''`,
      );
    } catch {
      throw new CatalogFormatError(
        `${this.file} is a ${this.format === 'sqlite' ? 'SQLite' : 'DuckDB'} database but not a DuckLake catalog (no ducklake_metadata table).`,
        'Check the catalog path of this lakehouse.',
      );
    }
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  /** Refuses catalogs this build cannot safely write (an older one would be migrated in place, a newer one misread). */
  async checkVersion(): Promise<string> {
    return checkCatalogVersion((await this.metadata()).version);
  }

  async close(): Promise<void> {
    if (this.alias) await this.session.run(`DETACH ${quoteIdentifier(this.alias)}`);
  }
}

/** Format, checked version and stored data_path of a catalog file, read without attaching it as a DuckLake. */
export async function readCatalogInfo(
  session: DuckDBSession,
  file: string,
): Promise<{ format: CatalogFormat; version: string; dataPath: string }> {
  const tables = await CatalogTables.open(session, file);
  try {
    const version = await tables.checkVersion();
    return { format: tables.catalogFormat, version, dataPath: (await tables.metadata()).data_path ?? '' };
  } finally {
    await tables.close();
  }
}
