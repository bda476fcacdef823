import type { Command } from 'commander';
import { catalogFileName, type LakehouseEntry } from '../core/config/lakehouseConfig';
import { exportDeltaLake } from '../core/delta';
import { TOOL } from '../core/identity';
import { DuckDBSession } from '../core/lake/duckdb';
import { LocalMirror } from '../core/lake/localMirror';
import { formatBytes, pull } from '../core/lake/pull';
import { openCatalogLease } from '../core/lease/catalogLease';
import { blobDeltaLogStore } from '../core/publish/blobDeltaLogStore';
import type { PublishStep } from '../core/publish/journal';
import { publish, type PublishSummary } from '../core/publish/publish';
import { remoteDataPrefix } from '../core/lake/dataPrefix';
import { CatalogTables } from '../core/lake/catalogFormat';
import { downloadToFile } from '../core/storage/transfer';
import type { Progress } from '../core/util/progress';
import { cliCredential, cliDuckDBOptions, cliHolder, resolveLakehouse, type CliEnv } from './context';
import type { Output } from './output';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Run = (work: (out: Output) => Promise<void>, json: boolean | undefined) => Promise<void>;

interface LakeOpts {
  catalog?: string;
  json?: boolean;
  holder?: string;
}

/** Fault injection for the crash-matrix tests: SIGKILL this process right after a publish step is journaled. */
const FAULT_ENV = 'LAKEHOUSE_FAULT_AFTER_STEP';

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
          session.close();
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
    .option('--json', 'print JSON')
    .action((arg: string | undefined, opts: LakeOpts & { maintenance: boolean; delta: boolean }) =>
      run(async (out) => {
        const { entry, store, guard, session, mirror } = await open(arg, opts, cli);
        try {
          const summary = await publish({
            entry,
            store,
            guard,
            mirror,
            session,
            maintenance: opts.maintenance ? undefined : false,
            exportDelta: opts.delta,
            progress: stderrProgress(out),
            onStep: faultInjection(cli),
          });
          out.result(describePublish(entry, summary), { ok: true, ...summary });
        } finally {
          session.close();
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
        const { entry, store, guard, session } = await open(arg, opts, cli);
        const dir = mkdtempSync(join(tmpdir(), 'lakehouse-export-'));
        // Under the lease, so the catalog cannot change while its logs are written.
        const held = await guard.acquire({ operation: 'export-delta' });
        try {
          const file = join(dir, 'metadata.db');
          await downloadToFile(store.blob(entry.catalogPath), file);
          const tables = await CatalogTables.open(session, file);
          const dataPath = (await tables.metadata()).data_path ?? '';
          await tables.close();
          const report = await exportDeltaLake({
            session,
            catalogPath: file,
            store: blobDeltaLogStore(store, remoteDataPrefix(dataPath, entry.location)),
          });
          const lines = report.tables.map(
            (t) =>
              `  ${t.schema}.${t.name}: ${t.status}${t.version !== undefined ? ` v${t.version}` : ''}${t.skipped ? ` — ${t.skipped.message}` : ''}`,
          );
          out.result([`Delta export of snapshot ${report.snapshotId}:`, ...lines].join('\n'), { ok: true, ...report });
        } finally {
          await guard.release(held).catch(() => undefined);
          session.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }, opts.json),
    );
}

async function open(arg: string | undefined, opts: LakeOpts, cli: CliEnv) {
  const entry = resolveLakehouse(arg, opts, cli);
  const duckdb = cliDuckDBOptions(cli);
  const { store, guard } = await openCatalogLease(entry, {
    credential: await cliCredential(entry),
    holder: cliHolder(opts.holder, cli),
    tool: TOOL,
    duckdb,
  });
  const session = await DuckDBSession.open(duckdb);
  return { entry, store, guard, session, mirror: LocalMirror.forLakehouse(cli.cwd, entry.name) };
}

export function describePublish(entry: LakehouseEntry, s: PublishSummary): string {
  if (s.status === 'nothing-to-publish')
    return `Nothing to publish: the local ${catalogFileName(entry)} is the one you pulled.`;
  if (s.status === 'superseded')
    return 'Someone else published after your interrupted publish had committed; their publish exported Delta. Pull to see it.';
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
  ];
  return lines.join('\n');
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
