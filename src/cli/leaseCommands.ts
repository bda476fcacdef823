import { rmSync } from 'node:fs';
import type { Command } from 'commander';
import { catalogFileName, type LakehouseEntry } from '../core/config/lakehouseConfig';
import { LakehouseError } from '../core/errors';
import type { HeldLease } from '../core/lease/leaseGuard';
import { describeLeaseLong, describeLeaseShort, type LeaseView } from '../core/lease/leaseView';
import { describeLocation } from '../core/storage/location';
import { formatDuration } from '../core/util/duration';
import { leaseStateFile, readJson, openCliLakehouse, type CliEnv } from './context';
import { acquireRecorded } from './leaseRecord';
import type { Output } from './output';

interface LeaseOpts {
  catalog?: string;
  staleAfter?: string;
  holder?: string;
  json?: boolean;
}

type Run = (work: (out: Output) => Promise<void>, json: boolean | undefined) => Promise<void>;

export function registerLeaseCommands(program: Command, cli: CliEnv, run: Run): void {
  const lease = program.command('lease').description('inspect, take, release or break the catalog lease');
  const common = (cmd: Command) =>
    cmd
      .argument('[lakehouse]', 'location URI (onelake://…, azurite://…) or a name from lakehouse.yml')
      .option('--catalog <path>', 'catalog path inside the lakehouse (default Files/metadata.db)')
      .option('--stale-after <duration>', 'age after which a held lease is stale (default 12h)')
      .option('--json', 'print JSON');

  common(lease.command('status').description('show who holds the catalog lease')).action(
    (arg: string | undefined, opts: LeaseOpts) =>
      run(async (out) => {
        const { entry, guard } = await open(arg, opts, cli);
        const view = await guard.inspect();
        out.result(formatStatus(entry, view), viewJson(entry, view));
      }, opts.json),
  );

  common(lease.command('acquire').description('take the lease (creates an empty catalog if there is none)'))
    .option('--holder <name>', 'name stamped on the lease (default user@host)')
    .option('--operation <name>', 'operation stamped on the lease', 'lease')
    .option('--break-if-stale', 'break the lease first if it is stale')
    .option('--hold', 'keep running and holding the lease until interrupted (releases on Ctrl+C)')
    .action(
      (arg: string | undefined, opts: LeaseOpts & { operation: string; breakIfStale?: boolean; hold?: boolean }) =>
        run(async (out) => {
          const { entry, guard } = await open(arg, opts, cli);
          const stateFile = leaseStateFile(entry, cli);
          const held = await acquireRecorded(guard, stateFile, {
            operation: opts.operation,
            breakIfStale: opts.breakIfStale,
          });
          out.result(
            `Acquired the lease on ${catalogFileName(entry)} (lease ${held.leaseId}, run ${held.stamp.run_id}).`,
            { ok: true, leaseId: held.leaseId, stamp: held.stamp, etag: held.etag },
          );
          if (opts.hold)
            await holdUntilSignal(() => guard.release(held).then(() => rmSync(stateFile, { force: true })), out);
        }, opts.json),
    );

  common(lease.command('release').description('release a lease this folder took with `lease acquire`'))
    .option('--lease-id <id>', 'the lease id (default: the one `lease acquire` saved here)')
    .action((arg: string | undefined, opts: LeaseOpts & { leaseId?: string }) =>
      run(async (out) => {
        const { entry, guard } = await open(arg, opts, cli);
        const stateFile = leaseStateFile(entry, cli);
        const saved = readJson<HeldLease>(stateFile);
        const leaseId = opts.leaseId ?? saved?.leaseId;
        if (!leaseId) {
          throw new LakehouseError(
            'usage',
            'No lease id given and none saved here by `lease acquire`.',
            'Pass --lease-id, or use `lease break` for a lease another run holds.',
          );
        }
        await guard.release({ leaseId, stamp: saved?.stamp ?? ({} as HeldLease['stamp']), etag: '' });
        rmSync(stateFile, { force: true });
        out.result(`Released the lease on ${catalogFileName(entry)}.`, { ok: true, leaseId });
      }, opts.json),
    );

  common(lease.command('break').description('break a stale lease (or any lease with --force)'))
    .option('--force', 'break even if the lease is not stale: its holder loses it')
    .action((arg: string | undefined, opts: LeaseOpts & { force?: boolean }) =>
      run(async (out) => {
        const { entry, guard } = await open(arg, opts, cli);
        const before = opts.force ? await guard.forceBreak() : await guard.breakIfStale();
        const who = before.stamp?.holder ?? 'an unknown holder';
        out.result(
          `Broke the lease on ${catalogFileName(entry)} held by ${who}${before.ageMs !== undefined ? ` for ${formatDuration(before.ageMs)}` : ''}.`,
          { ok: true, broken: viewJson(entry, before) },
        );
      }, opts.json),
    );
}

async function open(arg: string | undefined, opts: LeaseOpts, cli: CliEnv) {
  const { entry, guard } = await openCliLakehouse(arg, opts, cli);
  return { entry, guard };
}

function formatStatus(entry: LakehouseEntry, view: LeaseView): string {
  const lines = [
    `${catalogFileName(entry)} · ${describeLocation(entry.location)}`,
    `  ${describeLeaseShort(view)}`,
    `  ${describeLeaseLong(view, catalogFileName(entry))}`,
  ];
  if (view.stamp) {
    for (const [key, value] of Object.entries(view.stamp)) lines.push(`  ${key.padEnd(12)} ${value}`);
  }
  if (view.staleAt && (view.status === 'held' || view.status === 'stale'))
    lines.push(`  ${'stale_at'.padEnd(12)} ${view.staleAt.toISOString()}`);
  return lines.join('\n');
}

export function viewJson(entry: LakehouseEntry, view: LeaseView) {
  return {
    lakehouse: entry.name,
    location: entry.location.uri,
    catalog: entry.catalogPath,
    status: view.status,
    leaseState: view.leaseState,
    description: describeLeaseShort(view),
    message: describeLeaseLong(view, catalogFileName(entry)),
    stamp: view.stamp,
    since: view.since?.toISOString(),
    sinceSource: view.sinceSource,
    ageSeconds: view.ageMs === undefined ? undefined : Math.round(view.ageMs / 1000),
    staleAfterSeconds: Math.round(view.staleAfterMs / 1000),
    staleAt: view.staleAt?.toISOString(),
    etag: view.etag,
    lastModified: view.lastModified?.toISOString(),
  };
}

function holdUntilSignal(release: () => Promise<void>, out: Output): Promise<void> {
  out.info('Holding the lease; press Ctrl+C to release.');
  return new Promise((resolve) => {
    const timer = setInterval(() => {}, 1 << 30);
    const stop = () => {
      clearInterval(timer);
      release()
        .then(() => out.info('Released.'))
        .catch((error) => out.error(error))
        .finally(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
