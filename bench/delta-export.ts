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
 *   node dist/bench/delta-export.js azurite <dir>   (starts the emulator, prints its URL, stops on stdin EOF)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { exportDeltaLake, fsDeltaLogStore, knownStates, type DeltaLogStore } from '../src/core/delta';
import { LazyDuckDBSession } from '../src/core/lake/lazySession';

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
  if (mode !== 'export' && mode !== 'export-azure' && mode !== 'container') throw new Error(`unknown mode ${mode}`);
  const [catalogPath, target] = rest;
  const flag = (name: string) => {
    const i = rest.indexOf(name);
    return i < 0 ? undefined : rest[i + 1];
  };
  let store: DeltaLogStore;
  if (mode === 'export') store = fsDeltaLogStore(target!);
  else {
    // The Azure SDK and the config parser load only here: a local export does not pay for them.
    const [{ resolveEntries }, { openCatalogLease }, { blobDeltaLogStore }] = await Promise.all([
      import('../src/core/config/lakehouseConfig'),
      import('../src/core/lease/catalogLease'),
      import('../src/core/publish/blobDeltaLogStore'),
    ]);
    const [entry] = resolveEntries([{ name: 'bench', location: target! }], 'bench');
    const { store: blobStore } = await openCatalogLease(entry!, {
      holder: 'bench@local',
      tool: 'lakehouse-dev/bench',
      duckdb,
    });
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

// Exits as soon as the work is done, as the CLI does (src/cli/main.ts): a natural exit first tears down
// the event loop and the heaps (~20 ms of wall after the last write).
main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
