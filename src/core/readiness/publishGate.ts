import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type DuckDBSource } from '../lake/lazySession';
import { sniffCatalogFormat } from '../ducklake/format';
import { hasInterruptedWrite } from '../ducklake/interruptedWrite';
import { LakehouseError } from '../errors';
import type { LocalMirror } from '../lake/localMirror';
import { readJournal } from '../publish/journal';
import { hasLocalChanges } from '../lake/pull';
import { checkReadiness } from './check';
import { FooterCache } from './footerCache';
import { describeFinding, errorsOf, type ReadinessFinding } from './findings';
import type { Sku } from './skus';

/** `lakehouse.publish.readiness`: what publish does with error findings. */
export const READINESS_MODES = ['off', 'warn', 'refuse'] as const;
export type ReadinessMode = (typeof READINESS_MODES)[number];

export class ReadinessRefusedError extends LakehouseError {
  constructor(readonly findings: readonly ReadinessFinding[]) {
    super(
      'not-fabric-ready',
      `Publish refused: ${findings.length} finding(s) Direct Lake would reject:\n${findings.map((f) => `  ${describeFinding(f)}`).join('\n')}`,
      "Fix the tables as each finding says, or set lakehouse.publish.readiness to 'warn' (CLI: --readiness warn).",
    );
  }
}

/**
 * Runs the readiness check on the local catalog before publish uploads
 * anything (and before it takes the lease). Skipped when publish would only finish an interrupted publish
 * (its commit may already be live) or has nothing to upload. Returns every
 * finding for the caller to log; throws ReadinessRefusedError in `refuse`
 * mode when an error-severity finding exists.
 */
export async function gatePublish(options: {
  mode: ReadinessMode;
  session: DuckDBSource;
  mirror: LocalMirror;
  sku: Sku;
}): Promise<PublishGateResult> {
  const { mode, mirror } = options;
  if (mode === 'off' || !existsSync(mirror.catalogFile)) return { findings: [] };
  if ((await readJournal(mirror)) || !(await hasLocalChanges(mirror))) return { findings: [] };
  let report;
  try {
    const footerCache = FooterCache.load(footerCacheFile(mirror));
    report = await checkReadiness({
      session: options.session,
      catalogPath: mirror.catalogFile,
      dataFile: (path) => mirror.dataFile(path),
      sku: options.sku,
      footerCache,
    });
    await footerCache.save();
  } catch (error) {
    // `warn` is advice: a check that cannot run must not stop a publish; `refuse` cannot vouch, so it stops.
    if (mode === 'refuse') throw error;
    return { findings: [], checkFailed: error instanceof Error ? error.message : String(error) };
  }
  const errors = errorsOf(report.findings);
  if (mode === 'refuse' && errors.length > 0) throw new ReadinessRefusedError(errors);
  return { findings: report.findings };
}

export interface PublishGateResult {
  findings: ReadinessFinding[];
  /** Set in `warn` mode when the check itself failed (publish goes on; the caller logs this). */
  checkFailed?: string;
}

/**
 * Whether the check may run while publish takes the lease (`warn` mode): publish's own looks at the catalogs then
 * read them too, on the same session, and a DuckDB connection runs one statement at a time. SQLite catalogs with
 * no interrupted write are read in WASM, so only the check can touch DuckDB meanwhile (a Parquet read for long
 * strings or NaN); anything else (a DuckDB-file catalog, a hot journal to roll back) keeps the check first.
 */
export async function gateRunsAlongside(mirror: LocalMirror): Promise<boolean> {
  try {
    for (const file of [mirror.catalogFile, mirror.baseFile]) {
      if ((await sniffCatalogFormat(file)) !== 'sqlite' || (await hasInterruptedWrite(file))) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** Where a mirror keeps its footer summaries: beside its catalog and data, inside the mirror. */
export function footerCacheFile(mirror: LocalMirror): string {
  return join(mirror.root, 'footers.json');
}
