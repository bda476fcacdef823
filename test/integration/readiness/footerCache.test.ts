import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBSession, quoteLiteral } from '../../../src/core/lake/duckdb';
import { FooterCache } from '../../../src/core/readiness/footerCache';
import { readFooter, readFooters } from '../../../src/core/readiness/footers';

const extensionDirectory = process.env.LAKEHOUSE_DUCKDB_EXTENSIONS;
const dir = mkdtempSync(join(tmpdir(), 'footer-cache-'));
const cacheFile = join(dir, 'footers.json');
const files = [join(dir, 'a.parquet'), join(dir, 'b.parquet'), join(dir, 'c.parquet')];
let session: DuckDBSession;

/** A real Parquet file from DuckDB: `rows` rows in groups of `group`, with a string column. */
async function write(file: string, rows: number, group: number, text = 'x') {
  await session.run(
    `COPY (SELECT i AS id, repeat(${quoteLiteral(text)}, 1 + i % 50) AS body FROM range(${rows}) t(i)) TO ${quoteLiteral(file)} (FORMAT parquet, ROW_GROUP_SIZE ${group})`,
  );
}

beforeAll(async () => {
  session = await DuckDBSession.open({ extensionDirectory, threads: 1 });
  await write(files[0]!, 5_000, 1_000);
  await write(files[1]!, 300, 100);
  await write(files[2]!, 10, 10);
}, 60_000);
afterAll(() => {
  session?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A cache file whose entry for `file` claims `rowGroups`, for the file exactly as it is now. */
function poison(file: string, rowGroups: number) {
  const s = statSync(file);
  const entry = { ...readFooter(file), rowGroups, size: s.size, mtimeMs: s.mtimeMs, ino: s.ino };
  writeFileSync(cacheFile, JSON.stringify({ version: 1, files: { [file]: entry } }));
}

describe('footer summary cache', () => {
  it('sums the same with and without a cache, cold and warm', async () => {
    const plain = await readFooters(files);
    // DuckDB's own reading of the same footers.
    const list = `[${files.map(quoteLiteral).join(', ')}]`;
    const [groups] = await session.all<{ n: bigint }>(
      `SELECT count(*) AS n FROM (SELECT DISTINCT file_name, row_group_id FROM parquet_metadata(${list}))`,
    );
    const [rows] = await session.all<{ n: bigint }>(`SELECT sum(num_rows) AS n FROM parquet_file_metadata(${list})`);
    expect(plain.rowGroups).toBe(Number(groups!.n));
    expect(plain.rows).toBe(Number(rows!.n));
    expect(plain.rowGroups).toBeGreaterThan(files.length);
    expect(plain.rows).toBe(5_310);
    const cold = FooterCache.load(cacheFile);
    expect(await readFooters(files, cold)).toEqual(plain);
    await cold.save();
    const saved = JSON.parse(readFileSync(cacheFile, 'utf8')) as { files: Record<string, unknown> };
    expect(Object.keys(saved.files).sort()).toEqual([...files].sort());
    expect(await readFooters(files, FooterCache.load(cacheFile))).toEqual(plain);
  });

  it('serves a file it holds from the cache without reading it', async () => {
    poison(files[0]!, 999);
    const summary = await readFooters([files[0]!], FooterCache.load(cacheFile));
    expect(summary.rowGroups).toBe(999);
  });

  it('never serves a file that changed: rewritten in place (size), touched (mtime) or replaced (inode)', async () => {
    const file = join(dir, 'changing.parquet');
    await write(file, 2_000, 1_000);
    poison(file, 999);
    await write(file, 30_000, 1_000); // rewritten: another size
    const real = readFooter(file).rowGroups;
    expect(real).not.toBe(999);
    expect((await readFooters([file], FooterCache.load(cacheFile))).rowGroups).toBe(real);

    poison(file, 999);
    const s = statSync(file);
    utimesSync(file, s.atime, new Date(s.mtimeMs + 5_000)); // same bytes, another modification time
    expect((await readFooters([file], FooterCache.load(cacheFile))).rowGroups).toBe(real);

    const second = 1_700_000_000; // whole seconds: the replacement gets exactly the same modification time
    utimesSync(file, second, second);
    poison(file, 999);
    const before = statSync(file);
    // Same bytes and size, replaced by another file (written beside it, renamed over it: another inode).
    writeFileSync(`${file}.new`, readFileSync(file));
    utimesSync(`${file}.new`, second, second);
    renameSync(`${file}.new`, file);
    expect(statSync(file).ino).not.toBe(before.ino);
    expect(statSync(file).size).toBe(before.size);
    expect(statSync(file).mtimeMs).toBe(before.mtimeMs);
    expect((await readFooters([file], FooterCache.load(cacheFile))).rowGroups).toBe(real);
  });

  it('ignores a damaged, foreign or malformed cache file and reads the footers', async () => {
    const plain = await readFooters(files);
    const s = statSync(files[0]!);
    for (const body of [
      'not json{',
      '',
      JSON.stringify({ version: 2, files: {} }),
      JSON.stringify({ version: 1, files: null }),
      JSON.stringify({
        version: 1,
        files: { [files[0]!]: { rowGroups: 'many', size: s.size, mtimeMs: s.mtimeMs, ino: s.ino } },
      }),
      JSON.stringify({
        version: 1,
        files: {
          [files[0]!]: { rowGroups: -1, rows: 1, maxChunkBytes: {}, size: s.size, mtimeMs: s.mtimeMs, ino: s.ino },
        },
      }),
    ]) {
      writeFileSync(cacheFile, body);
      const cache = FooterCache.load(cacheFile);
      expect(await readFooters(files, cache), body).toEqual(plain);
      await cache.save();
      // Rewritten whole and valid.
      expect(await readFooters(files, FooterCache.load(cacheFile)), body).toEqual(plain);
    }
  });

  it('keeps only the files the last check looked at', async () => {
    const cache = FooterCache.load(cacheFile);
    await readFooters(files, cache);
    await cache.save();
    const fewer = FooterCache.load(cacheFile);
    await readFooters([files[1]!], fewer);
    await fewer.save();
    const saved = JSON.parse(readFileSync(cacheFile, 'utf8')) as { files: Record<string, unknown> };
    expect(Object.keys(saved.files)).toEqual([files[1]]);
  });
});
