/**
 * The Delta export bench's own side (npm run bench --suites delta): one process
 * per measured export, like `lakehouse export-delta` or a publish's export
 * step, so Node start-up, DuckDB open and the catalog read are all inside the
 * timing. Prints one JSON line with the report's totals.
 *
 *   node dist/bench/delta-export.js export <metadata.db> <Tables dir> [--known f] [--report f] [--iceberg]
 *   node dist/bench/delta-export.js export-azure <metadata.db> <azurite://host:port/container/item> [--known f] [--report f] [--iceberg]
 * (--iceberg: Iceberg beside Delta, as the lakehouse setting turns it on)
 *   node dist/bench/delta-export.js container <metadata.db> <azurite://…>   (creates the container: untimed set-up)
 *   node dist/bench/delta-export.js peer-upload|peer-reset <azurite://…> …   (delta-rs' folder on the emulator: untimed set-up)
 *   node dist/bench/delta-export.js azurite <dir>   (starts the emulator, prints its URL, stops on stdin EOF)
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportDeltaLake, fsDeltaLogStore, knownStates, type DeltaLogStore } from '../src/core/delta';
import { LazyDuckDBSession } from '../src/core/lake/lazySession';
import { forEachLimit } from '../src/core/util/pool';

const duckdb = { extensionDirectory: process.env.LAKEHOUSE_DUCKDB_EXTENSIONS };

async function main(argv: string[]) {
  const [mode, ...rest] = argv;
  if (mode === 'azurite') {
    const { startAzurite } = await import('../src/core/storage/azurite');
    const azurite = await startAzurite({ location: rest[0]! });
    process.stdout.write(
      `${JSON.stringify({ accountUrl: azurite.accountUrl, host: azurite.host, port: azurite.port })}\n`,
    );
    process.stdin.resume();
    await new Promise((resolve) => process.stdin.once('end', resolve));
    await azurite.stop();
    return;
  }
  if (mode === 'peer-upload' || mode === 'peer-reset') {
    await peerBlobs(mode, rest);
    return;
  }
  if (mode !== 'export' && mode !== 'export-azure' && mode !== 'container') throw new Error(`unknown mode ${mode}`);
  const [catalogPath, target] = rest;
  const flag = (name: string) => {
    const i = rest.indexOf(name);
    return i < 0 ? undefined : rest[i + 1];
  };
  let store: DeltaLogStore;
  if (mode === 'export') store = fsDeltaLogStore(target!);
  else {
    const [blobStore, { blobDeltaLogStore }] = await Promise.all([
      openBlobStore(target!),
      import('../src/core/publish/blobDeltaLogStore'),
    ]);
    // Set-up, not export work (a lakehouse's container exists): the suite runs it untimed first.
    if (mode === 'container') {
      await blobStore.container.createIfNotExists();
      return;
    }
    store = blobDeltaLogStore(blobStore, 'Tables/');
  }
  const knownFile = flag('--known');
  const known = knownFile ? knownStates(JSON.parse(readFileSync(knownFile, 'utf8'))) : undefined;
  // As the CLI does: DuckDB opens only if the export writes a checkpoint.
  const session = LazyDuckDBSession.of(duckdb);
  try {
    const iceberg = rest.includes('--iceberg');
    const report = await exportDeltaLake({ session, catalogPath: catalogPath!, store, known, iceberg });
    const reportFile = flag('--report');
    if (reportFile) writeFileSync(reportFile, JSON.stringify(report));
    const adds = report.tables.reduce((n, t) => n + t.adds, 0);
    const icebergAdds = iceberg ? report.tables.reduce((n, t) => n + (t.iceberg?.adds ?? 0), 0) : undefined;
    const statuses = report.tables.map(
      (t) =>
        `${t.name}:${t.status}${t.skipped ? `(${t.skipped.code})` : ''}${t.iceberg ? `/iceberg:${t.iceberg.status}` : ''}`,
    );
    process.stdout.write(
      `${JSON.stringify({ snapshotId: report.snapshotId, adds, icebergAdds, statuses, requests: report.requests })}\n`,
    );
  } finally {
    await session.close();
  }
}

/** The item's blob store. The Azure SDK and the config parser load only here: a local export does not pay for them. */
async function openBlobStore(location: string) {
  const [{ resolveEntries }, { openCatalogLease }] = await Promise.all([
    import('../src/core/config/lakehouseConfig'),
    import('../src/core/lease/catalogLease'),
  ]);
  const [entry] = resolveEntries([{ name: 'bench', location }], 'bench');
  const { store } = await openCatalogLease(entry!, { holder: 'bench@local', tool: 'lakehouse-dev/bench', duckdb });
  return store;
}

/**
 * Untimed set-up for delta-rs over the emulator, in the item's `peer/` folder:
 * `peer-upload <azurite://…> <dir> [name…]` puts the folder's Parquet files (or the named ones) there;
 * `peer-reset <azurite://…> [name…]` deletes delta-rs' versions 0 and 1 and the named files, so the next
 * repetition starts from the same folder without uploading it again.
 */
async function peerBlobs(mode: 'peer-upload' | 'peer-reset', [location, ...rest]: string[]) {
  const store = await openBlobStore(location!);
  await store.container.createIfNotExists();
  if (mode === 'peer-upload') {
    const [dir, ...named] = rest;
    const names = named.length > 0 ? named : readdirSync(dir!).filter((f) => f.endsWith('.parquet'));
    await forEachLimit(names, 32, async (name) => {
      await store.blob(`peer/${name}`).uploadData(readFileSync(join(dir!, name)));
    });
    return;
  }
  const log = ['00000000000000000000.json', '00000000000000000001.json'].map((v) => `peer/_delta_log/${v}`);
  await forEachLimit([...log, ...rest.map((name) => `peer/${name}`)], 32, async (path) => {
    await store.blob(path).deleteIfExists();
  });
}

// Exits as soon as the work is done, as the CLI does (src/cli/main.ts): a natural exit first tears down
// the event loop and the heaps (~20 ms of wall after the last write).
main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
