import { exitCodeFor } from '../../../src/cli/exitCodes';
import { LakehouseError } from '../../../src/core/errors';
import { appendFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { LocalMirror } from '../../../src/core/lake/localMirror';
import { STALL_TIMEOUT_ENV } from '../../../src/core/storage/stallTimeout';
import { EVERY_FAULT, FaultProxy, op, TEST_STALL_TIMEOUT_MS, type ProxiedRequest } from '../support/faultProxy';
import { runCli, type CliResult } from '../support/lakehouse';
import {
  localContent,
  localMd5,
  pulledLakehouse,
  remoteCatalogContent,
  remoteMd5,
  type Lake,
} from '../support/publishTruth';

/**
 * `pull` into a fresh folder × every fault the proxy offers, on the catalog
 * download and on a data file download. After each: a reported success is
 * the remote's catalog byte for byte with every table readable from the local
 * data; a reported failure leaves no catalog that is not the remote's; a
 * plain rerun converges.
 */
type Match = (r: ProxiedRequest) => boolean;
const ENV = { [STALL_TIMEOUT_ENV]: String(TEST_STALL_TIMEOUT_MS) };
const said = (r: CliResult) => `${r.code}: ${r.stdout}${r.stderr}`;

/** Files a download left half-written (`*.download`) anywhere under the working area. */
function leftovers(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.download'));
}

async function expectPulled(lake: Lake, mirror: LocalMirror, label: string) {
  expect(localMd5(mirror), `${label}: the local catalog is the remote's`).toBe(await remoteMd5(lake));
  const props = await lake.store.blob('Files/metadata.db').getProperties();
  expect((await mirror.readState())!.etag, `${label}: pull.json names the remote's ETag`).toBe(props.etag);
  expect(await localContent(mirror), `${label}: every table reads locally as on the remote`).toEqual(
    await remoteCatalogContent(lake),
  );
}

describe.each<[string, Match]>([
  ['the catalog download', op.catalogGet()],
  ['a data file download', (r) => r.method === 'GET' && /\/Tables\/.*\.parquet$/.test(r.path) && !r.query.has('comp')],
])('pull with a fault on %s', (kind, match) => {
  let proxy: FaultProxy;
  let lake: Lake;
  let location: string;

  beforeAll(async () => {
    proxy = await FaultProxy.start(inject('azuriteUrl'));
    ({ lake } = await pulledLakehouse(proxy.host));
    location = lake.location.replace(new URL(inject('azuriteUrl')).host, proxy.host);
  });
  afterAll(async () => proxy.close());

  it.each(EVERY_FAULT)(
    '%s: the report matches the local copy and the remote; a rerun converges',
    async (label, fault) => {
      const cwd = mkdtempSync(join(tmpdir(), 'lakehouse-pull-fault-'));
      writeFileSync(join(cwd, 'lakehouse.yml'), `lakehouses:\n  - name: lh\n    location: ${location}\n`);
      const mirror = LocalMirror.forLakehouse(cwd, 'lh');
      proxy.clear();
      const rule = proxy.add({ match, fault });
      const result = await runCli(['pull', 'lh', '--json'], ENV, cwd);
      proxy.clear();
      if (process.env.FAULT_MATRIX_REPORT) {
        const what = result.code === 0 ? String(result.json.catalog) : String(result.json.error?.code);
        appendFileSync(process.env.FAULT_MATRIX_REPORT, `pull | ${kind} | ${label} | exit ${result.code} ${what}\n`);
      }
      expect(rule.hits, `the fault fired (${label})`).toBe(1);
      // Ended by itself with a report (a stall is given up by the stall timeout, never waited out).
      expect(result.signal, said(result)).toBeUndefined();
      expect(result.json.ok, said(result)).toBeDefined();
      expect(leftovers(cwd), 'no half-written download is left').toEqual([]);

      if (result.code === 0) {
        expect(result.json.catalog, said(result)).toBe('downloaded');
        await expectPulled(lake, mirror, label);
      } else {
        // A failure never leaves a catalog that is not the remote's.
        // A named error whose exit code is the documented one for it.
        expect(result.json.error?.code, said(result)).toMatch(/^[a-z]+(-[a-z]+)*$/);
        expect(result.code, said(result)).toBe(exitCodeFor(new LakehouseError(result.json.error!.code, '', '')));
        const state = await mirror.readState();
        if (state) expect(localMd5(mirror)).toBe(await remoteMd5(lake));
      }

      // One fault is always recoverable (a stalled read is given up and read again): the pull succeeds.
      expect(result.code, said(result)).toBe(0);
      const rerun = await runCli(['pull', 'lh', '--json'], ENV, cwd);
      expect(rerun.code, said(rerun)).toBe(0);
      if (result.code === 0) expect(rerun.json.catalog).toBe('unchanged');
      await expectPulled(lake, mirror, `${label}: after the rerun`);
    },
  );
});
