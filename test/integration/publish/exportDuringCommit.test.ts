import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { FaultProxy, op, type ProxyLogEntry } from '../support/faultProxy';
import { runCli } from '../support/lakehouse';
import { changeLocally, pulledLakehouse, remoteMd5 } from '../support/publishTruth';

const proxies: FaultProxy[] = [];
afterEach(async () => {
  for (const p of proxies.splice(0)) await p.close();
});

const deltaLog = (path: string) => path.includes('/_delta_log/');
const isCatalogPut = (e: ProxyLogEntry) => e.method === 'PUT' && e.path.endsWith('/Files/metadata.db') && !e.comp;

/**
 * Publish prepares the Delta export while the catalog commit is on the wire (its reads overlap the commit):
 * no Delta log may be written before the commit answered, and none at all when the commit failed.
 */
describe('the Delta export during the catalog commit', () => {
  it('a commit that keeps failing: the export read the logs meanwhile, wrote none; the publish fails as the commit did', async () => {
    const proxy = await FaultProxy.start(inject('azuriteUrl'));
    proxies.push(proxy);
    const { lake, cwd, mirror } = await pulledLakehouse(proxy.host);
    await changeLocally(mirror, 1);
    const before = await remoteMd5(lake);
    const put = proxy.add({ match: op.catalogPut(), fault: { kind: 'status', status: 500 }, times: Infinity });
    const failed = await runCli(['publish', 'lh', '--json'], {}, cwd);
    expect(failed.code, failed.stdout + failed.stderr).toBe(1);
    expect(failed.json.error?.code).toBe('storage');
    expect(put.hits).toBeGreaterThan(1);
    expect(await remoteMd5(lake)).toBe(before);

    const afterCommitStarted = proxy.log.slice(proxy.log.findIndex(isCatalogPut));
    // The export ran while the commit was retried (it read the Delta logs), and every write of it was held back.
    expect(afterCommitStarted.some((e) => deltaLog(e.path) && e.method === 'GET')).toBe(true);
    expect(proxy.log.filter((e) => deltaLog(e.path) && e.method === 'PUT')).toEqual([]);
  });

  it('a commit held on the wire: the export reads meanwhile and writes only after the commit answered; published', async () => {
    const proxy = await FaultProxy.start(inject('azuriteUrl'));
    proxies.push(proxy);
    const { lake, cwd, mirror } = await pulledLakehouse(proxy.host);
    await changeLocally(mirror, 2);
    const before = await remoteMd5(lake);
    const stall = proxy.add({ match: op.catalogPut(), fault: { kind: 'stall' } });
    const publishing = runCli(['publish', 'lh', '--json'], {}, cwd);
    await stall.fired();
    // The export's first Delta log read arrives while the commit is still held.
    await vi.waitFor(() => expect(proxy.log.some((e) => deltaLog(e.path) && e.method === 'GET')).toBe(true), {
      timeout: 60_000,
      interval: 50,
    });
    expect(proxy.log.filter((e) => deltaLog(e.path) && e.method === 'PUT')).toEqual([]);
    expect(await remoteMd5(lake)).toBe(before);
    stall.release();

    const result = await publishing;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.json.status).toBe('published');
    expect(await remoteMd5(lake)).not.toBe(before);
    const commitAt = proxy.log.findIndex(isCatalogPut);
    const deltaPuts = proxy.log.flatMap((e, i) => (deltaLog(e.path) && e.method === 'PUT' ? [i] : []));
    expect(deltaPuts.length).toBeGreaterThan(0);
    expect(Math.min(...deltaPuts)).toBeGreaterThan(commitAt);
  });
});
