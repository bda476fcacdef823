import type { Command } from 'commander';
import { catalogFileName, type LakehouseEntry } from '../core/config/lakehouseConfig';
import { LakehouseError } from '../core/errors';
import { LazyDuckDBSession } from '../core/lake/lazySession';
import { LocalMirror } from '../core/lake/localMirror';
import { formatBytes, pull } from '../core/lake/pull';
import type { PublishStep } from '../core/publish/journal';
import { exportRemoteCatalog } from '../core/publish/exportRemote';
import { findOrphans } from '../core/publish/orphans';
import { publish, type PublishSummary } from '../core/publish/publish';
import { parseDuration } from '../core/util/duration';
import type { TableExportReport } from '../core/delta';
import type { Progress } from '../core/util/progress';
import { describeFinding, gatePublish, gateRunsAlongside } from '../core/readiness';
import { cliReadinessMode, cliSku } from './checkCommand';
import { cliDuckDBOptions, openCliLakehouse, type CliEnv } from './context';
import type { Output } from './output';

type Run = (work: (out: Output) => Promise<void>, json: boolean | undefined) => Promise<void>;

interface LakeOpts {
  catalog?: string;
  json?: boolean;
  holder?: string;
}

/** Fault injection for the crash-matrix tests: SIGKILL this process right after a publish step is journaled. */
const FAULT_ENV = 'LAKEHOUSE_FAULT_AFTER_STEP';
const PHASES_ENV = 'LAKEHOUSE_PUBLISH_PHASES';

export function registerLakeCommands(program: Command, cli: CliEnv, run: Run): void {
  program
    .command('pull')
    .description(
      'download the catalog and the data files into .lakehouse/<name>/ (a second pull fetches only what changed)',
    )
    .argument('[lakehouse]', 'location URI or a name from lakehouse.yml')
    .option('--catalog <path>', 'catalog path inside the lakehouse')
    .option('--discard-local', 'reset the local catalog to the remote one, dropping unpublished changes')
    .option('--json', 'print JSON')
    .action((arg: string | undefined, opts: LakeOpts & { discardLocal?: boolean }) =>
      run(async (out) => {
        const { entry, store, session, mirror } = await open(arg, opts, cli);
        try {
          const result = await pull({
            entry,
            store,
            mirror,
            session,
            discardLocalChanges: opts.discardLocal,
            progress: stderrProgress(out),
          });
          out.result(
            `Pulled ${catalogFileName(entry)} (${result.catalog}); ${result.files.downloaded} data files downloaded (${formatBytes(result.files.downloadedBytes)}), ${result.files.cached} already local.`,
            { ok: true, ...result },
          );
        } finally {
          await session.close();
        }
      }, opts.json),
    );

  program
    .command('publish')
    .description('lease, upload new data files and the catalog atomically, export Delta Lake, release')
    .argument('[lakehouse]', 'location URI or a name from lakehouse.yml')
    .option('--catalog <path>', 'catalog path inside the lakehouse')
    .option('--holder <name>', 'name stamped on the lease')
    .option('--no-maintenance', 'skip flushing inlined data, rewriting deletes and merging files')
    .option('--no-delta', 'skip the Delta Lake export')
    .option('--readiness <mode>', 'Fabric readiness check before uploading: off, warn or refuse', 'warn')
    .option('--sku <sku>', 'capacity whose Direct Lake limits the readiness check applies', 'F2')
    .option('--json', 'print JSON')
    .action(
      (
        arg: string | undefined,
        opts: LakeOpts & { maintenance: boolean; delta: boolean; readiness?: string; sku?: string },
      ) =>
        run(async (out) => {
          const phases = phaseMarks(cli, out);
          const fault = faultInjection(cli);
          phases.mark('cli loaded');
          const readiness = { mode: cliReadinessMode(opts.readiness), sku: cliSku(opts.sku) };
          const { entry, store, guard, session, mirror } = await open(arg, opts, cli);
          phases.mark('opened');
          try {
            // Before anything is uploaded. In `warn` mode while the lease request is on the wire (publish waits
            // for it before writing anything); `refuse` answers before the lease is asked for, throwing here with
            // every error finding listed.
            const alongside = readiness.mode === 'warn' && (await gateRunsAlongside(mirror));
            const gate = gatePublish({ ...readiness, session, mirror }).then((result) => {
              phases.mark('readiness');
              if (result.checkFailed)
                out.info(`  readiness: the check could not run (${result.checkFailed}); publishing anyway`);
              for (const f of result.findings) out.info(`  readiness: ${describeFinding(f)}`);
            });
            if (!alongside) await gate;
            const summary = await publish({
              alongside: alongside ? gate : undefined,
              entry,
              store,
              guard,
              mirror,
              session,
              maintenance: opts.maintenance ? undefined : false,
              exportDelta: opts.delta,
              progress: stderrProgress(out),
              onStep: (step) => {
                phases.mark(step);
                fault?.(step);
              },
            });
            phases.print();
            out.result(describePublish(entry, summary), { ok: true, ...summary });
          } finally {
            await session.close();
          }
        }, opts.json),
    );

  program
    .command('orphans')
    .description(
      'list data files no catalog snapshot references (left by an aborted publish); --delete removes them under the lease',
    )
    .argument('[lakehouse]', 'location URI or a name from lakehouse.yml')
    .option('--catalog <path>', 'catalog path inside the lakehouse')
    .option('--delete', 'delete orphans older than --min-age, holding the lease')
    .option('--min-age <duration>', 'younger files may belong to a publish in progress and are kept', '1h')
    .option('--json', 'print JSON')
    .action((arg: string | undefined, opts: LakeOpts & { delete?: boolean; minAge: string }) =>
      run(async (out) => {
        const { entry, store, guard, session } = await open(arg, opts, cli);
        try {
          const report = await findOrphans({
            entry,
            store,
            session,
            guard,
            delete: opts.delete,
            minAgeMs: parseDuration(opts.minAge, '--min-age'),
          });
          const lines = report.orphans.map(
            (o) => `  ${o.path}  ${formatBytes(o.sizeBytes)}${o.recent ? '  (recent: kept)' : ''}`,
          );
          const head =
            report.orphans.length === 0
              ? 'No orphan data files.'
              : `${report.orphans.length} orphan data file(s), ${formatBytes(report.bytes)}${opts.delete ? `; deleted ${report.deleted}` : '; run with --delete to remove them'}:`;
          out.result([head, ...lines].join('\n'), { ok: true, ...report });
        } finally {
          await session.close();
        }
      }, opts.json),
    );

  program
    .command('export-delta')
    .description('write Delta Lake logs for the remote catalog as it is now (recovery; publish does this itself)')
    .argument('[lakehouse]', 'location URI or a name from lakehouse.yml')
    .option('--catalog <path>', 'catalog path inside the lakehouse')
    .option('--json', 'print JSON')
    .action((arg: string | undefined, opts: LakeOpts) =>
      run(async (out) => {
        const { store, guard, session, entry, mirror } = await open(arg, opts, cli);
        try {
          const report = await exportRemoteCatalog({
            entry,
            store,
            guard,
            session,
            mirror,
            progress: stderrProgress(out),
          });
          const lines = report.tables.flatMap((t) => [
            `  ${t.schema}.${t.name}: ${t.status}${t.version !== undefined ? ` v${t.version}` : ''}${t.skipped ? ` — ${t.skipped.message}` : ''}`,
            ...[icebergLine(t)].filter((line) => line !== undefined),
          ]);
          const skipped = report.tables.filter((t) => t.status === 'skipped');
          const icebergSkipped = report.tables.filter((t) => t.iceberg?.status === 'skipped');
          out.result([`Delta export of snapshot ${report.snapshotId}:`, ...lines].join('\n'), {
            ok: skipped.length === 0 && icebergSkipped.length === 0,
            ...report,
          });
          // A skipped table is not exported: scripts must not read that as success.
          if (skipped.length) throw new DeltaTablesSkippedError(skipped.map((t) => `${t.schema}.${t.name}`));
          if (icebergSkipped.length)
            throw new LakehouseError(
              'delta-skipped', // the same exit code and single JSON document as a Delta skip
              `${icebergSkipped.length} table(s) got no Iceberg metadata: ${icebergSkipped.map((t) => `${t.schema}.${t.name}`).join(', ')}.`,
              'See the reason next to each table above (docs/ICEBERG.md), fix it and export again.',
            );
        } finally {
          await session.close();
        }
      }, opts.json),
    );
}

/** Export Delta finished but left tables out (their reasons are in the report printed before). */
export class DeltaTablesSkippedError extends LakehouseError {
  constructor(tables: string[]) {
    super(
      'delta-skipped',
      `${tables.length} table(s) were not exported to Delta: ${tables.join(', ')}.`,
      'See the reason next to each table above (docs/DELTA.md "Not exported"), fix it and export again.',
    );
  }
}

async function open(arg: string | undefined, opts: LakeOpts, cli: CliEnv) {
  // DuckDB opens on first use only: a SQLite catalog is read without it (core/ducklake's WASM reader), so a
  // publish without maintenance work or a checkpoint, an export or a pull never loads its native binding.
  const lakehouse = await openCliLakehouse(arg, opts, cli);
  const { entry, store, guard } = lakehouse;
  const session = LazyDuckDBSession.of(cliDuckDBOptions(cli));
  return { entry, store, guard, session, mirror: LocalMirror.forLakehouse(cli.cwd, entry.name) };
}

export function describePublish(entry: LakehouseEntry, s: PublishSummary): string {
  if (s.status === 'nothing-to-publish')
    return `Nothing to publish: the local ${catalogFileName(entry)} is the one you pulled.`;
  const delta = s.delta?.tables ?? [];
  const changed = delta.filter((t) => t.status === 'created' || t.status === 'updated');
  const skipped = delta.filter((t) => t.status === 'skipped');
  const lines = [
    `${s.status === 'finished-earlier-publish' ? 'Finished an interrupted publish' : 'Published'} ${catalogFileName(entry)}: ${s.tables.length} table(s) changed, ${s.files} file(s), ${formatBytes(s.bytes)}, ${s.requests} requests, ${s.seconds.toFixed(1)} s.`,
    ...changed.map(
      (t) =>
        `  Delta ${t.schema}.${t.name} v${t.version}: +${t.adds} −${t.removes}${t.checkpoint !== undefined ? ' (checkpoint)' : ''}`,
    ),
    ...skipped.map((t) => `  Delta ${t.schema}.${t.name} not exported: ${t.skipped?.message} ${t.skipped?.hint ?? ''}`),
    ...delta.flatMap((t) => icebergLine(t) ?? []),
  ];
  return lines.join('\n');
}

/** What the Iceberg side did for a table (only when the lakehouse has `iceberg: true`); nothing when unchanged. */
function icebergLine(t: TableExportReport): string | undefined {
  const ice = t.iceberg;
  if (!ice || ice.status === 'unchanged') return undefined;
  if (ice.status === 'skipped')
    return `  Iceberg ${t.schema}.${t.name} not written: ${ice.skipped?.message} ${ice.skipped?.hint ?? ''}`;
  return `  Iceberg ${t.schema}.${t.name} v${ice.version}: ${ice.operation ?? 'schema change'} +${ice.adds} −${ice.removes}`;
}

function stderrProgress(out: Output): Progress {
  return { report: ({ message }) => message && !out.json && out.info(`  ${message}`) };
}

function faultInjection(cli: CliEnv): ((step: PublishStep) => void) | undefined {
  const at = cli.env[FAULT_ENV];
  if (!at) return undefined;
  return (step) => {
    if (step === at) process.kill(process.pid, 'SIGKILL');
  };
}

/**
 * LAKEHOUSE_PUBLISH_PHASES=1: milliseconds since process start at which each publish phase ended, on
 * stderr (where a small publish's time goes; bench/results/README.md "Publish suite").
 */
function phaseMarks(cli: CliEnv, out: Output): { mark: (name: string) => void; print: () => void } {
  const marks: string[] = [];
  const on = cli.env[PHASES_ENV] === '1';
  return {
    mark: (name) => on && marks.push(`${name} ${Math.round(performance.now())}`),
    print: () => on && out.info(`  phases (ms since start): ${marks.join(', ')}`),
  };
}
