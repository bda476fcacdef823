import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Developer } from '../support/developer';
import { freshLakehouse, runCli, type CliResult } from '../support/lakehouse';

/** Every file under a folder whose content holds the canary (`.lakehouse/`, the journal, `target/`, …). */
function filesHolding(dir: string, canary: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (readFileSync(full).includes(canary)) found.push(full);
    }
  };
  walk(dir);
  return found;
}

function expectClean(result: CliResult, canary: string, label: string) {
  expect(result.stdout.includes(canary), `${label}: stdout`).toBe(false);
  expect(result.stderr.includes(canary), `${label}: stderr`).toBe(false);
}

const VERBS: string[][] = [
  ['pull'],
  ['publish'],
  ['export-delta'],
  ['orphans'],
  ['run'],
  ['build', '--publish'],
  ['lease', 'status'],
  ['lease', 'acquire'],
  ['lease', 'release', '--lease-id', 'x'],
  ['lease', 'break', '--force'],
];

describe('secret canaries never leave where the user put them', () => {
  it('a SAS token, an account key or a password in a location is refused by every verb without echoing it', async () => {
    const lake = await freshLakehouse();
    const canary = `CANARY${randomBytes(8).toString('hex')}`;
    const host = new URL(lake.location.replace('azurite://', 'http://')).host;
    const locations = [
      `https://acct.blob.core.windows.net/ws/sales.Lakehouse?sv=2024-08-04&ss=b&sig=${canary}`,
      `azurite://${host}/ws/x.Lakehouse;AccountKey=${canary}`,
      `abfss://ws:${canary}@onelake.dfs.fabric.microsoft.com/sales.Lakehouse`,
      // Malformed as well as credential-bearing: the parse error must not echo it either.
      `https://acct.blob.core.windows.net/ws?sig=${canary}`,
    ];
    for (const location of locations) {
      const cwd = mkdtempSync(join(tmpdir(), 'lakehouse-canary-'));
      writeFileSync(join(cwd, 'lakehouse.yml'), `lakehouses:\n  - name: lh\n    location: "${location}"\n`);
      for (const verb of VERBS) {
        // From lakehouse.yml with --json, and as an argument with human output.
        for (const [label, args, json] of [
          ['yml', [...verb, 'lh', '--json'], true],
          ['arg', [...verb, location], false],
        ] as const) {
          const result = await runCli([...args], {}, cwd);
          const what = `${verb.join(' ')} (${label}) with ${location.replace(canary, '…')}`;
          expect(result.code, `${what}: ${result.stderr}`).toBe(2);
          expectClean(result, canary, what);
          if (json) {
            expect(result.json.error?.code, what).toBe('config');
            expect(result.json.error?.message, what).toMatch(/credentials are never read from a location/);
          } else expect(result.stderr, what).toMatch(/sign in instead/);
        }
      }
      expect(filesHolding(cwd, canary).filter((f) => !f.endsWith('lakehouse.yml'))).toEqual([]);
      expect(existsSync(join(cwd, '.lakehouse'))).toBe(false);
    }
  });

  it('secrets in the environment never reach outputs or files, through successful and failing verbs', async () => {
    const lake = await freshLakehouse();
    await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
    const seed = await Developer.create(lake, 'seed');
    try {
      await seed.pull();
      await seed.run('CREATE TABLE lake.main.t AS SELECT range AS id FROM range(100)');
      await seed.publish();
    } finally {
      seed.close();
    }
    const canary = `CANARY${randomBytes(8).toString('hex')}`;
    const env = {
      AZURE_CLIENT_SECRET: canary,
      AZURE_STORAGE_CONNECTION_STRING: `DefaultEndpointsProtocol=https;AccountName=a;AccountKey=${canary};`,
      AZURE_STORAGE_SAS_TOKEN: `sv=2024&sig=${canary}`,
    };
    const cwd = mkdtempSync(join(tmpdir(), 'lakehouse-canary-env-'));
    writeFileSync(join(cwd, 'lakehouse.yml'), `lakehouses:\n  - name: lh\n    location: ${lake.location}\n`);
    const ok: string[][] = [['pull'], ['lease', 'status'], ['publish'], ['export-delta'], ['orphans']];
    for (const verb of ok) {
      const result = await runCli([...verb, 'lh', '--json'], env, cwd);
      expect(result.code, `${verb.join(' ')}: ${result.stdout}${result.stderr}`).toBe(0);
      expectClean(result, canary, verb.join(' '));
    }
    // Failures: a lease held by someone else, a catalog path that does not exist.
    const held = await lake.guard.acquire({ operation: 'other' });
    const busy = await runCli(['lease', 'acquire', 'lh', '--json'], env, cwd);
    expect(busy.code).toBe(3);
    expectClean(busy, canary, 'busy');
    await lake.guard.release(held);
    const missing = await runCli(['pull', 'lh', '--catalog', 'Files/none.db'], env, cwd);
    expect(missing.code).toBe(1);
    expectClean(missing, canary, 'missing catalog');
    expect(filesHolding(cwd, canary)).toEqual([]);
  });
});
