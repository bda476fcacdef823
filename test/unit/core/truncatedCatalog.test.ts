import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sniffCatalogFormat } from '../../../src/core/ducklake/format';
import { CatalogFormatError } from '../../../src/core/ducklake/errors';
import { createEmptyCatalog } from '../../../src/core/lake/emptyCatalog';

describe('a truncated SQLite catalog', () => {
  it('is called truncated (with its length), not "not a DuckLake catalog"; the whole file passes', async () => {
    const bytes = Buffer.from(
      await createEmptyCatalog('abfss://ws@onelake.dfs.fabric.microsoft.com/x.Lakehouse/Tables/', {
        extensionDirectory: process.env.LAKEHOUSE_DUCKDB_EXTENSIONS ?? resolve('.duckdb-extensions'),
      }),
    );
    const dir = mkdtempSync(join(tmpdir(), 'lakehouse-truncated-'));
    const whole = join(dir, 'whole.db');
    writeFileSync(whole, bytes);
    expect(await sniffCatalogFormat(whole)).toBe('sqlite');
    const cut = join(dir, 'metadata.db');
    const half = Math.floor(bytes.length / 2);
    writeFileSync(cut, readFileSync(whole).subarray(0, half));
    const error = await sniffCatalogFormat(cut).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CatalogFormatError);
    expect((error as Error).message).toBe(
      `${cut} is a truncated SQLite catalog: ${half} of its ${bytes.length} bytes are there; a download or copy was cut short.`,
    );
  });
});
