// The Iceberg export bench (npm run bench -- --suites iceberg), run as its own process by
// bench/lib/iceberg-suite.mjs. On local disk, for each size: a DuckLake table of N Parquet
// files (one partitioned INSERT writes them), then the export of the same catalog with the
// Iceberg export off (Delta only) and on (Delta + Iceberg), first and incremental (10 new
// files). Iceberg's own cost is the difference; both sides read only catalog metadata.
// Prints one JSON document. Measures only; nothing asserts a timing.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportDeltaLake } from '../src/core/delta/exporter';
import { fsDeltaLogStore } from '../src/core/delta/fsLogStore';
import { CatalogReader, isVisibleAt } from '../src/core/ducklake/catalogReader';
import { CountingDeltaLogStore } from '../src/core/delta/logStore';
import { knownStates, type ExportedTableState } from '../src/core/delta/report';
import { TableExporter } from '../src/core/delta/tableExporter';
import { buildTableTarget, readCatalogContext } from '../src/core/delta/tableState';
import { IcebergTableExporter, icebergTarget } from '../src/core/iceberg';
import { DuckDBSession, quoteLiteral } from '../src/core/lake/duckdb';

const extensionDirectory = process.env.LAKEHOUSE_DUCKDB_EXTENSIONS;
const sizes = (process.env.ICEBERG_BENCH_FILES ?? '1000,10000').split(',').map(Number);
const reps = Number(process.env.ICEBERG_BENCH_REPS ?? 3);
const INCREMENT = 10;

async function makeLake(dir: string, files: number): Promise<void> {
  const session = await DuckDBSession.open({ extensionDirectory, threads: 2 });
  try {
    await session.loadExtensions(['ducklake', 'sqlite_scanner']);
    await session.run(
      `ATTACH ${quoteLiteral(`ducklake:sqlite:${join(dir, 'metadata.db')}`)} AS lake (DATA_PATH ${quoteLiteral(join(dir, 'Tables') + '/')}, DATA_INLINING_ROW_LIMIT 0)`,
    );
    await session.run('CREATE TABLE lake.main.events (p INTEGER, id BIGINT, name VARCHAR, amount DOUBLE, day DATE)');
    await session.run('ALTER TABLE lake.main.events SET PARTITIONED BY (p)');
    await session.run(
      `INSERT INTO lake.main.events SELECT i % ${files}, i, 'n' || i, i * 0.5, DATE '2024-01-01' + (i % 365)::INTEGER FROM range(${files * 4}) r(i)`,
    );
    await session.run('DETACH lake');
  } finally {
    session.close();
  }
}

async function addFiles(dir: string, files: number, round: number): Promise<void> {
  const session = await DuckDBSession.open({ extensionDirectory, threads: 2 });
  try {
    await session.loadExtensions(['ducklake', 'sqlite_scanner']);
    await session.run(
      `ATTACH ${quoteLiteral(`ducklake:sqlite:${join(dir, 'metadata.db')}`)} AS lake (DATA_INLINING_ROW_LIMIT 0)`,
    );
    const base = files + round * INCREMENT;
    await session.run(
      `INSERT INTO lake.main.events SELECT ${base} + i, i, 'new', 1.0, DATE '2025-01-01' FROM range(${INCREMENT}) r(i)`,
    );
    await session.run('DETACH lake');
  } finally {
    session.close();
  }
}

/**
 * One export in a fresh DuckDB session, as publish runs it (with the previous report's states as
 * `known`, when given, as publish passes them); wall ms, store requests and the states for the next.
 */
async function timedExport(dir: string, iceberg: boolean, known?: Record<string, ExportedTableState>) {
  const started = performance.now();
  const session = await DuckDBSession.open({ extensionDirectory, threads: 2 });
  try {
    const report = await exportDeltaLake({
      session,
      catalogPath: join(dir, 'metadata.db'),
      store: fsDeltaLogStore(join(dir, 'Tables')),
      iceberg,
      known,
    });
    const t = report.tables[0]!;
    if (t.status === 'skipped' || (iceberg && t.iceberg?.status === 'skipped'))
      throw new Error(`export skipped: ${JSON.stringify(t.skipped ?? t.iceberg?.skipped)}`);
    return {
      ms: performance.now() - started,
      requests: report.requests.total,
      iceberg: t.iceberg,
      incremental: t.incremental === true,
      known: knownStates(report),
    };
  } finally {
    session.close();
  }
}

/**
 * The two formats' own work from one prebuilt target (catalog read once, as the exporter
 * does): the Delta commit vs the Iceberg commit, each timed alone in the same session.
 */
async function isolatedCommits(dir: string) {
  const session = await DuckDBSession.open({ extensionDirectory, threads: 2 });
  const reader = await CatalogReader.open(session, join(dir, 'metadata.db'));
  const temp = await mkdtemp(join(tmpdir(), 'iceberg-bench-t-'));
  try {
    const ctx = await readCatalogContext(reader);
    const snapshot = ctx.snapshot;
    const table = (await reader.tables()).find((t) => isVisibleAt(t, snapshot.id))!;
    let started = performance.now();
    const built = await buildTableTarget(ctx, table);
    const targetMs = performance.now() - started;
    if (!built.ok) throw new Error(built.problem.message);
    const store = () => new CountingDeltaLogStore(fsDeltaLogStore(join(dir, 'Tables')));
    const delta = new TableExporter({
      ctx,
      store: store(),
      session,
      tempDirectory: temp,
      checkpointInterval: 10,
      now: Date.now,
    });
    started = performance.now();
    await delta.export(table, undefined, built);
    const deltaMs = performance.now() - started;
    const iceberg = new IcebergTableExporter({
      store: store(),
      dataPath: ctx.dataPath,
      snapshot,
      changes: (from) => reader.changes(from, snapshot.id),
      nextFileIdAt: async (id) => (await reader.snapshot(id))?.nextFileId,
      now: Date.now,
    });
    started = performance.now();
    const report = await iceberg.export(icebergTarget(built.target), undefined);
    const icebergMs = performance.now() - started;
    if (report.status === 'skipped') throw new Error(report.skipped?.message);
    return { targetMs, deltaMs, icebergMs, icebergRequests: report.requests.total };
  } finally {
    await reader.close();
    session.close();
    await rm(temp, { recursive: true, force: true });
  }
}

type Sample = Awaited<ReturnType<typeof timedExport>>;

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return Math.round(s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2);
};

async function main() {
  // Warm-up: the first DuckDB open and extension load in a process cost more than later ones.
  const warm = await mkdtemp(join(tmpdir(), 'iceberg-bench-w-'));
  await makeLake(warm, 10);
  await timedExport(warm, true);
  await rm(warm, { recursive: true, force: true });
  const results = [];
  for (const files of sizes) {
    const template = await mkdtemp(join(tmpdir(), 'iceberg-bench-'));
    await makeLake(template, files);
    const samples = {
      deltaFirst: [] as number[],
      bothFirst: [] as number[],
      deltaInc: [] as number[],
      bothInc: [] as number[],
      targetFirst: [] as number[],
      deltaCommitFirst: [] as number[],
      icebergCommitFirst: [] as number[],
      targetInc: [] as number[],
      deltaCommitInc: [] as number[],
      icebergCommitInc: [] as number[],
    };
    let requests = {};
    for (let rep = 0; rep < reps; rep++) {
      // Same catalog for both sides: two copies of the template.
      const delta = await mkdtemp(join(tmpdir(), 'iceberg-bench-d-'));
      const both = await mkdtemp(join(tmpdir(), 'iceberg-bench-b-'));
      await cp(template, delta, { recursive: true });
      await cp(template, both, { recursive: true });
      // Each copy's catalog still names the template's Tables/ as DATA_PATH (new files land there);
      // logs and metadata go to the copy's own Tables/. Both sides read only catalog metadata.
      // Alternate which side goes first, so drift in the machine's load spreads over both.
      const pair = async (first: () => Promise<Sample>, second: () => Promise<Sample>): Promise<Sample[]> =>
        rep % 2 === 0 ? [await first(), await second()] : [await second(), await first()].reverse();
      const [d1, b1] = await pair(
        () => timedExport(delta, false),
        () => timedExport(both, true),
      );
      await addFiles(delta, files, rep);
      await addFiles(both, files, rep);
      const [d2, b2] = await pair(
        () => timedExport(delta, false, d1!.known),
        () => timedExport(both, true, b1!.known),
      );
      if (!d1 || !b1 || !d2 || !b2) throw new Error('missing sample');
      samples.deltaFirst.push(d1.ms);
      samples.bothFirst.push(b1.ms);
      samples.deltaInc.push(d2.ms);
      samples.bothInc.push(b2.ms);
      requests = {
        deltaFirst: d1.requests,
        bothFirst: b1.requests,
        deltaIncremental: d2.requests,
        bothIncremental: b2.requests,
        icebergFirst: b1.iceberg?.requests.total,
        icebergIncremental: b2.iceberg?.requests.total,
        // Whether the incremental exports read only the changed files (docs/DELTA.md "Incremental export").
        incrementalPath: { delta: d2.incremental, both: b2.incremental },
      };
      await rm(delta, { recursive: true, force: true });
      await rm(both, { recursive: true, force: true });

      const iso = await mkdtemp(join(tmpdir(), 'iceberg-bench-i-'));
      await cp(template, iso, { recursive: true });
      const i1 = await isolatedCommits(iso);
      await addFiles(iso, files, reps + rep);
      const i2 = await isolatedCommits(iso);
      samples.targetFirst.push(i1.targetMs);
      samples.deltaCommitFirst.push(i1.deltaMs);
      samples.icebergCommitFirst.push(i1.icebergMs);
      samples.targetInc.push(i2.targetMs);
      samples.deltaCommitInc.push(i2.deltaMs);
      samples.icebergCommitInc.push(i2.icebergMs);
      await rm(iso, { recursive: true, force: true });
    }
    await rm(template, { recursive: true, force: true });
    const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) as Record<
      keyof typeof samples,
      number
    >;
    results.push({
      files,
      reps,
      medianMs: {
        deltaFirst: m.deltaFirst,
        deltaPlusIcebergFirst: m.bothFirst,
        icebergFirst: m.bothFirst - m.deltaFirst,
        deltaIncremental: m.deltaInc,
        deltaPlusIcebergIncremental: m.bothInc,
        icebergIncremental: m.bothInc - m.deltaInc,
      },
      isolatedMedianMs: {
        catalogTargetFirst: m.targetFirst,
        deltaCommitFirst: m.deltaCommitFirst,
        icebergCommitFirst: m.icebergCommitFirst,
        catalogTargetIncremental: m.targetInc,
        deltaCommitIncremental: m.deltaCommitInc,
        icebergCommitIncremental: m.icebergCommitInc,
      },
      ratioIcebergCommitToDeltaCommit: {
        first: Math.round((m.icebergCommitFirst / m.deltaCommitFirst) * 100) / 100,
        incremental: Math.round((m.icebergCommitInc / m.deltaCommitInc) * 100) / 100,
      },
      ratioIcebergToDelta: {
        first: Math.round(((m.bothFirst - m.deltaFirst) / m.deltaFirst) * 100) / 100,
        incremental: Math.round(((m.bothInc - m.deltaInc) / m.deltaInc) * 100) / 100,
      },
      requests,
      samplesMs: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, v.map(Math.round)])),
    });
  }
  process.stdout.write(`${JSON.stringify({ sizes, increment: INCREMENT, results })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
