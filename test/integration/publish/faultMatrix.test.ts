import { exitCodeFor } from '../../../src/cli/exitCodes';
import { LakehouseError } from '../../../src/core/errors';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { LocalMirror } from '../../../src/core/lake/localMirror';
import type { PublishJournal } from '../../../src/core/publish/journal';
import { STALL_TIMEOUT_ENV } from '../../../src/core/storage/stallTimeout';
import { EVERY_FAULT, FaultProxy, op, TEST_STALL_TIMEOUT_MS, type ProxiedRequest } from '../support/faultProxy';
import { runCli, type CliResult } from '../support/lakehouse';
import {
  changeLocally,
  deltaContent,
  expectConverged,
  localMd5,
  pulledLakehouse,
  remoteCatalogContent,
  remoteMd5,
  TABLES,
  type Lake,
} from '../support/publishTruth';

/**
 * Every request kind `publish` makes × every fault the proxy can inject. A
 * stall is given up by the product's per-request stall timeout (set short
 * here through LAKEHOUSE_STALL_TIMEOUT_MS) and then retried like a reset.
 */
type Match = (r: ProxiedRequest) => boolean;
/** A request kind, and what must happen first for publish to make it (publish reads the catalog's
 * properties only as evidence after an ambiguous commit: a catalog Put whose answer was lost). */
const KINDS: Array<[string, Match, Match?]> = [
  ['lease acquire', op.lease('acquire')],
  [
    'lease stamp',
    (r) => r.method === 'PUT' && r.path.endsWith('/Files/metadata.db') && r.query.get('comp') === 'metadata',
  ],
  ['catalog HEAD (the commit evidence read)', op.catalogHead(), op.catalogPut()],
  ['data-file Put', (r) => r.method === 'PUT' && /\/Tables\/.*\.parquet$/.test(r.path) && !r.query.has('comp')],
  ['catalog Put', op.catalogPut()],
  ['Delta commit Put', (r) => r.method === 'PUT' && /\/_delta_log\/\d{20}\.json$/.test(r.path)],
  ['Delta log read', (r) => r.method === 'GET' && r.path.includes('/_delta_log/') && !r.query.has('comp')],
  ['lease release', op.lease('release')],
];

const ENV = { [STALL_TIMEOUT_ENV]: String(TEST_STALL_TIMEOUT_MS) };
const said = (r: CliResult) => `${r.code}: ${r.stdout}${r.stderr}`;

/** The step the journal reached, or undefined once it is cleared. */
function journalOf(mirror: LocalMirror): PublishJournal | undefined {
  return existsSync(mirror.journalFile)
    ? (JSON.parse(readFileSync(mirror.journalFile, 'utf8')) as PublishJournal)
    : undefined;
}

describe.each(KINDS)('publish with a fault on %s', (kind, match, first) => {
  let proxy: FaultProxy;
  let lake: Lake;
  let cwd: string;
  let mirror: LocalMirror;
  let round = 0;

  beforeAll(async () => {
    proxy = await FaultProxy.start(inject('azuriteUrl'));
    ({ lake, cwd, mirror } = await pulledLakehouse(proxy.host));
  });
  afterAll(async () => proxy.close());

  it.each(EVERY_FAULT)(
    '%s: report matches the remote, old-or-new, Delta reads, a rerun converges',
    async (label, fault) => {
      await changeLocally(mirror, ++round);
      const oldMd5 = await remoteMd5(lake);
      proxy.clear();
      const armed = first ? proxy.add({ match: first, fault: { kind: 'drop-response' } }) : undefined;
      const rule = proxy.add({ match, fault, after: armed });
      const result = await runCli(['publish', 'lh', '--json'], ENV, cwd);
      proxy.clear();
      const report = result.stdout + result.stderr;
      // For docs/RELIABILITY.md: FAULT_MATRIX_REPORT=<file> records what each cell reported.
      if (process.env.FAULT_MATRIX_REPORT) {
        const what = result.code === 0 ? String(result.json.status) : String(result.json.error?.code);
        appendFileSync(process.env.FAULT_MATRIX_REPORT, `${kind} | ${label} | exit ${result.code} ${what}\n`);
      }
      expect(rule.hits, `the fault fired (${label})`).toBe(1);
      // Ended by itself with a report (a stall is given up by the stall timeout, never waited out).
      expect(result.signal, said(result)).toBeUndefined();
      expect(result.json.ok, said(result)).toBeDefined();

      // Old or new, never a mix (new: the catalog publish uploads, after its maintenance); the remote
      // catalog opens; every Delta table reads.
      const newMd5 = journalOf(mirror)?.catalogMd5 ?? localMd5(mirror);
      const now = await remoteMd5(lake);
      expect([oldMd5, newMd5], report).toContain(now);
      expect(Object.keys(await remoteCatalogContent(lake))).toEqual(TABLES);
      await deltaContent(lake);

      // The report matches the truth.
      if (result.code === 0) {
        expect(result.json).toMatchObject({ ok: true, status: 'published' });
        await expectConverged(lake, mirror, `${label}: reported published`, fault.kind === 'drop-response');
      } else {
        expect(result.json.ok, report).toBe(false);
        // A named error whose exit code is the documented one for it.
        expect(result.json.error?.code, report).toMatch(/^[a-z]+(-[a-z]+)*$/);
        expect(result.code, report).toBe(exitCodeFor(new LakehouseError(result.json.error!.code, '', '')));
        if (now === newMd5) {
          // Committed but not finished: the journal keeps it for the rerun, and nothing says "nothing was uploaded".
          expect(journalOf(mirror)?.steps, report).toContain('committing');
          expect(result.json.error?.message).not.toMatch(/nothing was (uploaded|written)/);
        } else {
          expect(journalOf(mirror)?.steps ?? [], report).not.toContain('committed');
        }
      }

      // One fault is always recoverable (a stalled try is given up and retried, an ambiguous one settled
      // from evidence): publish succeeds, not only fails truthfully.
      expect(result.code, said(result)).toBe(0);

      // A plain rerun converges to an uninterrupted publish's state.
      const rerun = await runCli(['publish', 'lh', '--json'], ENV, cwd);
      expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
      expect(['published', 'finished-earlier-publish', 'nothing-to-publish']).toContain(rerun.json.status);
      if (result.code === 0) expect(rerun.json.status).toBe('nothing-to-publish');
      await expectConverged(lake, mirror, `${label}: after the rerun`);
    },
  );
});
