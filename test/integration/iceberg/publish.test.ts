import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeAvroFile } from '../../../src/core/iceberg/avroFile';
import type { ManifestEntry, ManifestFile } from '../../../src/core/iceberg/avroSchemas';
import { Developer, downloadFolder } from '../support/developer';
import { freshLakehouse, runCli } from '../support/lakehouse';

/**
 * Checks a downloaded Iceberg table against its remote locations: the current
 * metadata's manifests (read with their remote paths mapped onto the copy) list
 * exactly the Parquet files in the folder, with `rows` records in all.
 */
async function checkDownloaded(folder: string): Promise<{ rows: number; files: number }> {
  const version = (await readFile(join(folder, 'metadata', 'version-hint.text'), 'utf8')).trim();
  const metadata = JSON.parse(await readFile(join(folder, 'metadata', `v${version}.metadata.json`), 'utf8')) as {
    location: string;
    'current-snapshot-id': number;
    snapshots: { 'snapshot-id': number; 'manifest-list': string }[];
  };
  const local = (remote: string) => {
    expect(remote.startsWith(`${metadata.location}/`)).toBe(true);
    return join(folder, remote.slice(metadata.location.length + 1));
  };
  const snapshot = metadata.snapshots.find((s) => s['snapshot-id'] === metadata['current-snapshot-id'])!;
  const list = await decodeAvroFile<ManifestFile>(await readFile(local(snapshot['manifest-list'])));
  let rows = 0;
  let files = 0;
  for (const manifest of list.records) {
    for (const entry of (await decodeAvroFile<ManifestEntry>(await readFile(local(manifest.manifest_path)))).records) {
      if (entry.status === 2) continue;
      await readFile(local(entry.data_file.file_path)); // the data file is where the manifest says
      rows += entry.data_file.record_count;
      files++;
    }
  }
  return { rows, files };
}

describe('Iceberg runs wherever the Delta export runs, when the lakehouse turns it on', () => {
  it('publish with iceberg: true writes metadata/ beside _delta_log in the lakehouse; off writes none', async () => {
    const lake = await freshLakehouse();
    await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
    const ana = await Developer.create(lake, 'ana');
    try {
      await ana.pull();
      await ana.run('CREATE TABLE lake.main.plain AS SELECT range AS id FROM range(10)');
      const off = await ana.publish();
      expect(off.delta?.tables[0]?.iceberg).toBeUndefined();
      const plainFolder = await downloadFolder(lake.store, 'Tables/main/plain');
      await expect(readFile(join(plainFolder, 'metadata', 'version-hint.text'))).rejects.toThrow();

      await ana.run('CREATE TABLE lake.main.orders AS SELECT range AS id, range % 7 AS customer FROM range(500)');
      const on = await ana.publish({ entry: { ...lake.entry, iceberg: true } });
      const orders = on.delta?.tables.find((t) => t.name === 'orders');
      expect(orders?.iceberg).toMatchObject({ status: 'created', version: 1, operation: 'append' });
      const folder = await downloadFolder(lake.store, 'Tables/main/orders');
      expect((await readFile(join(folder, 'metadata', 'version-hint.text'), 'utf8')).trim()).toBe('1');
      const metadata = JSON.parse(await readFile(join(folder, 'metadata', 'v1.metadata.json'), 'utf8')) as {
        location: string;
      };
      // Locations are the catalog's own DATA_PATH: the remote lakehouse, never the local mirror.
      expect(metadata.location).toMatch(/Tables\/main\/orders$/);
      expect(metadata.location).not.toContain(tmpdir());
      expect(await checkDownloaded(folder)).toEqual({ rows: 500, files: 1 });
    } finally {
      ana.close();
    }
  });

  it('lakehouse export-delta honours iceberg: true in lakehouse.yml and reports each Iceberg version', async () => {
    const lake = await freshLakehouse();
    await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
    const ana = await Developer.create(lake, 'ana');
    try {
      await ana.pull();
      await ana.run('CREATE TABLE lake.main.orders AS SELECT range AS id FROM range(250)');
      await ana.publish({ exportDelta: false });
    } finally {
      ana.close();
    }
    const cwd = mkdtempSync(join(tmpdir(), 'lakehouse-iceberg-'));
    writeFileSync(
      join(cwd, 'lakehouse.yml'),
      `lakehouses:\n  - name: lh\n    location: ${lake.location}\n    iceberg: true\n`,
    );
    const result = await runCli(['export-delta', 'lh'], {}, cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Iceberg main\.orders v1: append \+1 −0/);
    const folder = await downloadFolder(lake.store, 'Tables/main/orders');
    expect(await checkDownloaded(folder)).toEqual({ rows: 250, files: 1 });
    const again = await runCli(['export-delta', 'lh', '--json'], {}, cwd);
    const tables = again.json.tables as Array<{ iceberg?: { status: string; version: number } }>;
    expect(tables[0]!.iceberg).toMatchObject({ status: 'unchanged', version: 1 });
  });
});
