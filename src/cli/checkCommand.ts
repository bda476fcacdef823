import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, LakehouseError } from '../core/errors';
import { LazyDuckDBSession } from '../core/lake/lazySession';
import { LocalMirror } from '../core/lake/localMirror';
import {
  checkReadiness,
  DIRECT_LAKE_SKUS,
  FooterCache,
  footerCacheFile,
  describeFinding,
  errorsOf,
  parseSku,
  READINESS_MODES,
  type ReadinessMode,
  type ReadinessReport,
  type Sku,
} from '../core/readiness';
import { cliDuckDBOptions, resolveLakehouse, type CliEnv } from './context';
import type { Output } from './output';

type Run = (work: (out: Output) => Promise<void>, json: boolean | undefined) => Promise<void>;

/** Thrown after the report is printed, so the exit code says "not ready" (JSON stays one document). */
export class NotFabricReadyError extends LakehouseError {
  constructor(errors: number) {
    super('not-fabric-ready', `${errors} finding(s) Direct Lake would reject.`, 'Fix them as each finding says.');
  }
}

export function cliSku(value: string | undefined): Sku {
  const sku = parseSku(value);
  if (!sku)
    throw new ConfigError(
      `Unknown capacity SKU '${value}'.`,
      `Use one of ${Object.keys(DIRECT_LAKE_SKUS).join(', ')}.`,
    );
  return sku;
}

export function cliReadinessMode(value: string | undefined): ReadinessMode {
  const mode = (value ?? 'warn') as ReadinessMode;
  if (!READINESS_MODES.includes(mode))
    throw new ConfigError(`Unknown --readiness '${value}'.`, `Use one of ${READINESS_MODES.join(', ')}.`);
  return mode;
}

export function describeReadiness(report: ReadinessReport): string {
  const errors = errorsOf(report.findings).length;
  const head =
    report.findings.length === 0
      ? `Fabric-ready on ${report.sku}: ${report.tables.length} table(s), no findings.`
      : `${report.findings.length} finding(s) on ${report.sku} (${errors} error(s)) across ${report.tables.length} table(s):`;
  return [head, ...report.findings.map((f) => `  ${describeFinding(f)}`)].join('\n');
}

export function registerCheckCommand(program: Command, cli: CliEnv, run: Run): void {
  program
    .command('check')
    .description(
      'Fabric readiness: what Direct Lake will reject or read slowly, per table, from the local catalog and Parquet footers',
    )
    .argument('[lakehouse]', 'location URI or a name from lakehouse.yml')
    .option('--catalog <path>', 'catalog path inside the lakehouse')
    .option('--sku <sku>', `capacity whose per-table limits apply (${Object.keys(DIRECT_LAKE_SKUS).join(', ')})`, 'F2')
    .option('--json', 'print JSON')
    .action((arg: string | undefined, opts: { catalog?: string; sku?: string; json?: boolean }) =>
      run(async (out) => {
        const sku = cliSku(opts.sku);
        const entry = resolveLakehouse(arg, opts, cli);
        const mirror = LocalMirror.forLakehouse(cli.cwd, entry.name);
        if (!existsSync(mirror.catalogFile))
          throw new LakehouseError(
            'not-pulled',
            `There is no local copy of ${entry.name} to check.`,
            `Run lakehouse pull ${entry.name} first.`,
          );
        const session = LazyDuckDBSession.of(cliDuckDBOptions(cli));
        try {
          const footerCache = FooterCache.load(footerCacheFile(mirror));
          const report = await checkReadiness({
            session,
            catalogPath: mirror.catalogFile,
            dataFile: (path) => mirror.dataFile(path),
            sku,
            footerCache,
          });
          await footerCache.save();
          const errors = errorsOf(report.findings).length;
          out.result(describeReadiness(report), { ok: errors === 0, ...report });
          if (errors > 0) throw new NotFabricReadyError(errors);
        } finally {
          await session.close();
        }
      }, opts.json),
    );
}
