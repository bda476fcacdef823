import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { DuckDBSession } from '../../../src/core/lake/duckdb';
import { attachWorkingCatalog } from '../../../src/core/lake/lakeSession';
import { LocalMirror } from '../../../src/core/lake/localMirror';
import { lockMirror, MirrorBusyError } from '../../../src/core/lake/mirrorLock';
import { md5OfBytes } from '../../../src/core/storage/contentHash';
import { Developer } from '../support/developer';
import { FaultProxy, op } from '../support/faultProxy';
import { duckdb, freshLakehouse, runCli } from '../support/lakehouse';

const proxies: FaultProxy[] = [];
afterEach(async () => {
  for (const p of proxies.splice(0)) await p.close();
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(50);
}

describe('one lock per local mirror (.lakehouse/<name>/)', () => {
  it('two CLI processes on one mirror: the second is refused clearly, nothing torn', async () => {
    const lake = await freshLakehouse();
    await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
    const seed = await Developer.create(lake, 'seed');
    try {
      await seed.pull();
      await seed.run('CREATE TABLE lake.main.t AS SELECT range AS id FROM range(1000)');
      await seed.publish();
    } finally {
      seed.close();
    }
    const proxy = await FaultProxy.start(inject('azuriteUrl'));
    proxies.push(proxy);
    const cwd = mkdtempSync(join(tmpdir(), 'lakehouse-lock-'));
    const location = lake.location.replace(new URL(inject('azuriteUrl')).host, proxy.host);
    writeFileSync(join(cwd, 'lakehouse.yml'), `lakehouses:\n  - name: lh\n    location: ${location}\n`);
    const mirror = LocalMirror.forLakehouse(cwd, 'lh');

    // The first pull is held inside its catalog download, holding the mirror.
    const stall = proxy.add({ match: op.catalogGet(), fault: { kind: 'stall' } });
    const first = runCli(['pull', 'lh', '--json'], {}, cwd);
    await stall.fired();
    const claims = join(mirror.root, 'lock-owners');
    const claimed = () => (existsSync(claims) ? readdirSync(claims).filter((n) => n.endsWith('.json')) : []);
    await until(() => claimed().length === 1);
    const owner = JSON.parse(readFileSync(join(claims, claimed()[0]!), 'utf8')) as { pid: number; what: string };
    expect(owner.what).toBe('pull');

    for (const verb of [['pull'], ['publish'], ['pull', '--discard-local'], ['run']]) {
      const second = await runCli([...verb, 'lh', '--json'], {}, cwd);
      expect(second.code, `${verb.join(' ')}: ${second.stdout}${second.stderr}`).toBe(3);
      expect(second.json.error?.code).toBe('mirror-busy');
      expect(second.json.error?.message).toMatch(
        new RegExp(
          `^busy: pull since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\(pid ${owner.pid}, .+\\) is using the local copy of lh\\.$`,
        ),
      );
    }
    // In-process too (the editor): the same lock refuses.
    await expect(lockMirror(mirror, 'Run Models')).rejects.toBeInstanceOf(MirrorBusyError);

    stall.release();
    const done = await first;
    expect(done.code, done.stdout + done.stderr).toBe(0);
    expect(done.json.catalog).toBe('downloaded');
    // Nothing torn: the catalog is the remote one byte for byte and opens; no temp files left.
    const remote = await lake.store.blob('Files/metadata.db').downloadToBuffer();
    expect(md5OfBytes(readFileSync(mirror.catalogFile))).toBe(md5OfBytes(remote));
    const session = await DuckDBSession.open(duckdb);
    try {
      await attachWorkingCatalog(session, mirror, (await mirror.readState())!, { readOnly: true });
      expect(await session.all('SELECT count(*)::INTEGER AS n FROM lake.main.t')).toEqual([{ n: 1000 }]);
    } finally {
      session.close();
    }
    expect(readdirSync(join(mirror.root, 'catalog')).sort()).toEqual(['base.db', 'metadata.db']);
    // Released: the next operation goes ahead.
    const after = await runCli(['pull', 'lh', '--json'], {}, cwd);
    expect(after.code, after.stderr).toBe(0);
    const release = await lockMirror(mirror, 'check');
    await release();
  });

  it('a holder on this machine that died (SIGKILL) at any instant does not block the rerun; a live one does', async () => {
    const mirror = new LocalMirror(mkdtempSync(join(tmpdir(), 'lakehouse-lock-dead-')));
    // A lock left by a process killed right after its mkdir: the lock folder and its claim, written
    // before the mkdir, naming a pid that no longer exists.
    const { spawnSync } = await import('node:child_process');
    const deadPid = () =>
      Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
    const { mkdirSync } = await import('node:fs');
    const { hostname } = await import('node:os');
    const claims = join(mirror.root, 'lock-owners');
    mkdirSync(join(mirror.root, '.lock'), { recursive: true });
    mkdirSync(claims, { recursive: true });
    const claim = (pid: number) => ({ what: 'publish', since: new Date().toISOString(), pid, host: hostname() });
    writeFileSync(join(claims, 'dead-holder.json'), JSON.stringify(claim(deadPid())));
    // And a claim of a taker killed before its mkdir: litter, not a holder.
    writeFileSync(join(claims, 'dead-taker.json'), JSON.stringify(claim(deadPid())));
    const release = await lockMirror(mirror, 'publish');
    expect(readdirSync(claims)).toHaveLength(1);
    // Now held by this (live) process: a second taker, even in the same process, is refused,
    // naming it, and leaves the holder's claim alone.
    const error = await lockMirror(mirror, 'pull').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MirrorBusyError);
    expect((error as MirrorBusyError).owner?.pid).toBe(process.pid);
    expect((error as MirrorBusyError).owner?.what).toBe('publish');
    expect(readdirSync(claims)).toHaveLength(1);
    await release();
    expect(readdirSync(claims)).toEqual([]);
    expect(existsSync(join(mirror.root, '.lock'))).toBe(false);
  });

  it('a lock whose holder is alive elsewhere or unknown is waited out, not broken', async () => {
    const mirror = new LocalMirror(mkdtempSync(join(tmpdir(), 'lakehouse-lock-foreign-')));
    const { mkdirSync } = await import('node:fs');
    const claims = join(mirror.root, 'lock-owners');
    mkdirSync(join(mirror.root, '.lock'), { recursive: true });
    mkdirSync(claims, { recursive: true });
    // Another machine sharing the folder: its pid means nothing here.
    const foreign = { what: 'run', since: new Date().toISOString(), pid: 1, host: 'other-machine' };
    writeFileSync(join(claims, 'other.json'), JSON.stringify(foreign));
    const error = await lockMirror(mirror, 'pull').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MirrorBusyError);
    expect((error as MirrorBusyError).owner?.host).toBe('other-machine');
    expect(existsSync(join(mirror.root, '.lock'))).toBe(true);
    expect(readdirSync(claims)).toEqual(['other.json']);
  });
});
