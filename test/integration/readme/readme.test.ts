import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { generateEnergyFiles } from '../../../examples/energy/generate';
import { EXIT } from '../../../src/cli/exitCodes';
import { parseLakehouseFile } from '../../../src/core/config/lakehouseConfig';
import { openCatalogLease } from '../../../src/core/lease/catalogLease';
import { loopbackTestCredential, ONELAKE_ENDPOINT_ENV } from '../../../src/core/storage/endpoint';
import { parseLocation } from '../../../src/core/storage/location';
import { startOneLakeProxy } from '../../support/onelakeProxy';
import { CLI, duckdb, guardFor } from '../support/lakehouse';
import {
  fencedBlocks,
  inlineCommands,
  locationStrings,
  readReadme,
  shellLines,
  toArgv,
  type ShellLine,
} from './readmeExamples';

/**
 * Every README example is a test: each shell command of README.md runs here against the
 * real product (the built CLI, strict Azurite, the OneLake-shaped proxy) in a temp copy of
 * examples/energy, or is listed below with the reason it cannot run here. A command added
 * to the README that is neither fails the first test; a command that fails fails its test.
 * lakehouse.yml blocks go through the product's own schema, location strings through its
 * location parser, inline `lakehouse …` commands through the CLI's own --help.
 */

/** Commands that cannot run inside this test, and why (each is run elsewhere). */
const NOT_RUN_HERE: Record<string, string> = {
  'npm ci && npm run demo':
    'installs and runs the whole demo; .ci/run runs exactly this line on a clean clone in every CI run',
  'npm test': 'runs every test tier, this file included; .ci/run runs it',
  'npm ci && npm run package':
    'builds the platform VSIX (minutes of bundling and vsce); the e2e tier runs `npm run package` before it installs that VSIX',
  'code --install-extension dist/lakehouse-dev.vsix':
    'needs the VS Code desktop CLI, which cannot be downloaded here; the e2e tier installs the same VSIX into code-server',
};

/** README's emulator address; the test's Azurite listens on a free port instead. */
const README_AZURITE = '127.0.0.1:10000';
const azuriteHost = () => new URL(inject('azuriteUrl')).host;

const readme = readReadme();
const lines = shellLines(fencedBlocks(readme));
const ran = new Set<string>();

/** The README line with this exact text (fails when the README no longer has it). */
function line(text: string): ShellLine {
  const found = lines.find((l) => l.text === text);
  if (!found) throw new Error(`README.md no longer has the command: ${text}`);
  return found;
}

/** Lines whose text starts with `prefix` (a synopsis line is found by its verb). */
function lineStarting(prefix: string): ShellLine {
  const found = lines.filter((l) => l.text.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one README command starting '${prefix}', found ${found.length}`);
  return found[0]!;
}

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

const workspaces: string[] = [];
afterAll(() => {
  for (const dir of workspaces) rmSync(dir, { recursive: true, force: true });
});

/** A temp copy of examples/energy with a batch of landing files: the project the README's commands run in. */
function energyProject(label: string) {
  const root = mkdtempSync(join(tmpdir(), `lh-readme-${label}-`));
  workspaces.push(root);
  const dir = join(root, 'energy');
  cpSync(join(import.meta.dirname, '../../../examples/energy'), dir, {
    recursive: true,
    filter: (src) => !/[\\/](target|landing|lake|logs|\.lakehouse|lakehouse\.yml)$/.test(src),
  });
  const landing = join(dir, 'landing');
  generateEnergyFiles(landing, { scale: 3, days: 2, startDate: '2024-03-01', batch: 1 });
  return { dir, env: { ENERGY_LANDING_PATH: landing } };
}

function cli(argv: string[], cwd: string, env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      [CLI, ...argv],
      { cwd, env: { ...process.env, ...env }, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}

/** Runs one README command in `cwd`; it must exit 0 (or `expectCode`), and it is counted as run. */
async function runLine(
  readmeLine: ShellLine,
  cwd: string,
  fill: (placeholder: string, flag: string | undefined) => string,
  env: Record<string, string> = {},
  rewrite: (text: string) => string = (t) => t,
): Promise<CliRun> {
  if (!/^(?:npx )?lakehouse /.test(readmeLine.text)) throw new Error(`not a lakehouse command: ${readmeLine.text}`);
  const argv = toArgv(rewrite(readmeLine.text), fill);
  const result = await cli(argv, cwd, env);
  expect(
    result.code,
    `README.md line ${readmeLine.line}: ${readmeLine.text}\n→ lakehouse ${argv.join(' ')}\n${result.stdout}\n${result.stderr}`,
  ).toBe(0);
  ran.add(readmeLine.text);
  return result;
}

const noPlaceholders = (placeholder: string): string => {
  throw new Error(`unexpected placeholder ${placeholder}`);
};

describe('README.md examples', () => {
  it('every shell command in README.md is run below or listed with the reason it cannot run here', () => {
    expect(lines.length).toBeGreaterThan(15);
    const runnable = lines.filter((l) => /^(?:npx )?lakehouse /.test(l.text)).map((l) => l.text);
    const others = lines.filter((l) => !/^(?:npx )?lakehouse /.test(l.text)).map((l) => l.text);
    // Anything that is not a lakehouse command must be listed, with its reason.
    expect(others.filter((t) => !(t in NOT_RUN_HERE))).toEqual([]);
    // No stale entries: each listed command is still in the README.
    expect(Object.keys(NOT_RUN_HERE).filter((t) => !others.includes(t))).toEqual([]);
    // The lakehouse commands are all run by the tests below (checked again at the end).
    expect(runnable.length).toBeGreaterThan(12);
  });

  it('lakehouse.yml blocks pass the product schema, and the defaults the comments name are the defaults', () => {
    const yamlBlocks = fencedBlocks(readme).filter((b) => b.lang === 'yaml' || b.lang === 'yml');
    expect(yamlBlocks.length).toBeGreaterThan(0);
    for (const block of yamlBlocks) {
      const entries = parseLakehouseFile(block.body, `README.md line ${block.line}`);
      expect(entries.length).toBeGreaterThan(0);
      // Dropping every line the README marks "# default" changes nothing.
      const withoutDefaults = block.body
        .split('\n')
        .filter((l) => !/#\s*default\b/.test(l))
        .join('\n');
      const bare = parseLakehouseFile(withoutDefaults, 'README.md without defaults');
      expect(bare.map((e) => [e.name, e.location.uri, e.catalogPath, e.staleAfterMs])).toEqual(
        entries.map((e) => [e.name, e.location.uri, e.catalogPath, e.staleAfterMs]),
      );
      for (const e of entries) expect(e.project ?? '.').toBe('.');
    }
    const [sales] = parseLakehouseFile(yamlBlocks[0]!.body, 'README.md');
    expect(sales?.location).toMatchObject({ kind: 'onelake', container: 'Sales Workspace', item: 'sales.Lakehouse' });
    expect(sales?.staleAfterMs).toBe(12 * 3_600_000);
  });

  it('every location string parses as the README says (placeholders filled in)', () => {
    const fill: Record<string, string> = {
      '<workspace>': 'Sales Workspace',
      '<item>': 'sales.Lakehouse',
      '<lakehouse>': 'sales',
      '<workspace-guid>': '3f2a9c1e-0000-4000-8000-000000000001',
      '<item-guid>': '3f2a9c1e-0000-4000-8000-000000000002',
      '<region>': 'westus',
      '<account>': 'contoso',
      '<container>': 'lake',
      '<host>': '127.0.0.1',
      '<port>': '10000',
    };
    const locations = locationStrings(readme);
    expect(locations.length).toBeGreaterThan(8);
    for (const text of locations) {
      const filled = text.replace(/<[a-z-]+>/g, (p) => {
        if (!(p in fill)) throw new Error(`README location ${text}: no sample value for ${p}`);
        return fill[p]!;
      });
      const location = parseLocation(filled);
      const host = /^https:\/\/([^/]+)/.exec(filled)?.[1] ?? '';
      const kind = filled.startsWith('azurite://')
        ? 'azurite'
        : filled.startsWith('onelake://') || /onelake/.test(filled)
          ? 'onelake'
          : 'blob';
      expect(location.kind, filled).toBe(kind);
      if (filled.startsWith('onelake://'))
        expect(location.accountUrl, filled).toBe('https://onelake.blob.fabric.microsoft.com');
      if (host.includes('-onelake.')) expect(location.accountUrl, filled).toContain('westus-onelake.');
    }
    // Names with spaces, raw or %-encoded, are the same lakehouse.
    const raw = parseLocation('onelake://Sales Workspace/sales.Lakehouse');
    const encoded = parseLocation('onelake://Sales%20Workspace/sales.Lakehouse');
    expect(locations).toContain('onelake://Sales Workspace/sales.Lakehouse');
    expect(locations).toContain('onelake://Sales%20Workspace/sales.Lakehouse');
    expect([encoded.container, encoded.item]).toEqual([raw.container, raw.item]);
  });

  it('the Settings table names real settings with their real defaults (package.json)', () => {
    const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '../../../package.json'), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
    };
    const settings = manifest.contributes.configuration.properties;
    const rows = [...readme.matchAll(/^\| `(lakehouse\.[\w.]+)` \| ([^|]+) \|/gm)];
    expect(rows.length).toBeGreaterThan(10);
    for (const [, key, shown] of rows) {
      expect(settings, `README setting ${key}`).toHaveProperty([key!]);
      const literal = /^`([^`]*)`$/.exec(shown!.trim())?.[1];
      // "user@host", "DuckDB's default", "all cores": the runtime fills in an empty default.
      if (literal === undefined || literal === 'user@host') continue;
      expect(JSON.stringify(settings[key!]!.default).replace(/^"|"$/g, ''), key).toBe(literal);
    }
  });

  it("the exit code table is the CLI's exit codes, each one", () => {
    // The table under "Exit codes:" (other tables have numeric first columns too).
    const section = readme.slice(readme.indexOf('\nExit codes:\n'));
    const block = section.slice(0, section.search(/\n\n(?!\|)[^|]/) + 1);
    const table = [...block.matchAll(/^\| (\d+) \| (.+) \|$/gm)].map((m) => Number(m[1]));
    expect([...table].sort((a, b) => a - b)).toEqual(
      [...new Set(Object.values(EXIT) as number[])].sort((a, b) => a - b),
    );
  });

  it('inline `lakehouse …` commands name verbs and options the CLI has', async () => {
    const commands = inlineCommands(readme);
    expect(commands.length).toBeGreaterThan(2);
    const help = new Map<string, string>();
    const helpOf = async (verb: string) => {
      if (!help.has(verb)) {
        const result = await cli([...verb.split(' '), '--help'], tmpdir());
        expect(result.code, `lakehouse ${verb} --help\n${result.stderr}`).toBe(0);
        help.set(verb, result.stdout);
      }
      return help.get(verb)!;
    };
    for (const command of commands) {
      const body = command.replace(/^(?:npx )?lakehouse /, '');
      if (body.includes(' / ')) {
        // The verb list: every verb exists.
        for (const verb of body.split(' / ')) await helpOf(verb.replace(/\s*…$/, '').trim());
        continue;
      }
      // A verb with subcommands (`lease acquire`, `catalog migrate`): the subcommand's own help lists its options.
      const [first, second] = body.split(' ');
      const groups = new Set(['lease', 'catalog']);
      const verb = groups.has(first!) && second && /^[a-z]+$/.test(second) ? `${first} ${second}` : first!;
      const text = await helpOf(verb);
      for (const option of body.match(/--[a-z-]+/g) ?? []) expect(text, `${command}: ${option}`).toContain(option);
    }
  });

  it('Start with zero setup: `init <azurite location>`, then `build --publish`, creates and publishes the lakehouse', async () => {
    const project = energyProject('zero');
    const toRig = (t: string) => t.replace(README_AZURITE, azuriteHost());
    await runLine(lineStarting('npx lakehouse init '), project.dir, noPlaceholders, project.env, toRig);
    const [entry] = parseLakehouseFile(readFileSync(join(project.dir, 'lakehouse.yml'), 'utf8'), 'lakehouse.yml');
    expect(entry?.location.uri).toBe(`azurite://${azuriteHost()}/dev/shop.Lakehouse`);
    const build = await runLine(lineStarting('npx lakehouse build '), project.dir, noPlaceholders, project.env);
    expect(build.stdout).toMatch(/publish/i);
    const { store } = await openCatalogLease(entry!, { holder: 'readme@test', tool: 'lakehouse-dev/test', duckdb });
    expect(await store.blob(entry!.catalogPath).exists()).toBe(true);
  }, 900_000);

  describe('on a lakehouse named energy (examples/energy, on Azurite)', () => {
    const project = energyProject('energy');
    const container = `readme-${randomBytes(4).toString('hex')}`;
    let leaseId = '';
    const fill = (verb: string) => (placeholder: string, flag: string | undefined) => {
      if (placeholder === '[lakehouse]' || placeholder === '<lakehouse>') return 'energy';
      if (placeholder === 'sel…') {
        if (flag === '--exclude') return 'rpt_region_summary';
        return verb === 'test' ? 'stg_meter_readings' : 'path:models';
      }
      if (placeholder === 'NAME') return flag === '--holder' ? 'readme@test' : 'readme';
      if (placeholder === 'ID') return leaseId;
      throw new Error(`no value for ${placeholder} after ${flag}`);
    };
    const cliHere = (argv: string[]) => cli(argv, project.dir, project.env);
    const entry = () =>
      parseLakehouseFile(readFileSync(join(project.dir, 'lakehouse.yml'), 'utf8'), 'lakehouse.yml')[0]!;

    it('Run, publish and export from the CLI: run (every option), pull, test, publish, export-delta, orphans', async () => {
      writeFileSync(
        join(project.dir, 'lakehouse.yml'),
        `lakehouses:\n  - name: energy\n    location: azurite://${azuriteHost()}/${container}/energy.Lakehouse\n`,
      );
      // Setup (README: "also: build (seeds, models, tests), seed"): the project's seeds, which its
      // models read; this first run creates the emulator container and the catalog, and publishes.
      const seeded = await cliHere(['seed', 'energy', '--publish']);
      expect(seeded.code, seeded.stdout + seeded.stderr).toBe(0);
      await runLine(lineStarting('npx lakehouse run '), project.dir, fill('run'), project.env);
      const { store, guard } = await openCatalogLease(entry(), {
        holder: 'readme@test',
        tool: 'lakehouse-dev/test',
        duckdb,
      });
      expect(await store.blob(entry().catalogPath).exists()).toBe(true);
      expect((await guard.inspect()).status).toBe('free');
      await runLine(lineStarting('npx lakehouse pull '), project.dir, fill('pull'), project.env);
      expect(existsSync(join(project.dir, '.lakehouse', 'energy', 'catalog'))).toBe(true);
      const test = await runLine(lineStarting('npx lakehouse test '), project.dir, fill('test'), project.env);
      expect(test.stdout).toMatch(/pass/i);
      await runLine(lineStarting('npx lakehouse publish '), project.dir, fill('publish'), project.env);
      await runLine(lineStarting('npx lakehouse export-delta '), project.dir, fill('export-delta'), project.env);
      await runLine(lineStarting('npx lakehouse orphans '), project.dir, fill('orphans'), project.env);
      expect((await guard.inspect()).status).toBe('free');
    }, 900_000);

    it('Fabric readiness: check with --sku and --json', async () => {
      const result = await runLine(lineStarting('npx lakehouse check '), project.dir, fill('check'), project.env);
      expect(JSON.parse(result.stdout)).toMatchObject({ ok: true });
    }, 600_000);

    it('Query results: the three queries, local, published as CSV, and the full result to Parquet', async () => {
      const queries = lines.filter((l) => l.text.startsWith('npx lakehouse query '));
      expect(queries).toHaveLength(3);
      const [local, published, output] = queries;
      const first = await runLine(local!, project.dir, noPlaceholders, project.env);
      expect(first.stdout).toMatch(/site_id/);
      const csv = await runLine(published!, project.dir, noPlaceholders, project.env);
      const [header, ...rows] = csv.stdout.trim().split('\n');
      expect(header).toMatch(/^site_id,/);
      expect(rows.length).toBe(3);
      await runLine(output!, project.dir, noPlaceholders, project.env);
      const file = /--output (\S+)/.exec(output!.text)![1]!;
      expect(statSync(join(project.dir, file)).size).toBeGreaterThan(0);
      expect(readFileSync(join(project.dir, file)).subarray(0, 4).toString()).toBe('PAR1');
    }, 600_000);

    it('Lease commands: status, acquire (held until Ctrl+C), release --lease-id, break --force; the --json error shape', async () => {
      await runLine(lineStarting('npx lakehouse lease status '), project.dir, fill('status'), project.env);
      // acquire with every option, --hold included: it holds the lease until interrupted.
      const acquire = lineStarting('npx lakehouse lease acquire ');
      const argv = toArgv(acquire.text, fill('acquire'));
      expect(argv).toContain('--hold');
      const child = spawn(process.execPath, [CLI, ...argv], {
        cwd: project.dir,
        env: { ...process.env, ...project.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const exited = new Promise<number | null>((resolvePromise) => child.on('exit', (code) => resolvePromise(code)));
      for (let i = 0; i < 1200 && !/"leaseId"/.test(out) && child.exitCode === null; i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(out).toMatch(/"leaseId"/);
      const status = await cliHere(['lease', 'status', 'energy', '--json']);
      expect(status.stdout).toContain('readme@test');
      // README: "With --json, results and errors are one JSON document on stdout. Errors look like …"
      const busy = await cliHere(['lease', 'acquire', 'energy', '--json']);
      expect(busy.code).toBe(3);
      const body = JSON.parse(busy.stdout) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(['elapsedMs', 'error', 'ok']);
      expect(body).toMatchObject({ ok: false, error: { code: 'lease-busy' } });
      expect(Object.keys(body.error as object).sort()).toEqual(['code', 'hint', 'message']);
      expect(readme).toContain('`{"ok":false,"error":{"code":"lease-busy","message":…,"hint":…},"elapsedMs":…}`');
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      ran.add(acquire.text);
      const { guard } = await openCatalogLease(entry(), { holder: 'readme@test', tool: 'lakehouse-dev/test', duckdb });
      expect((await guard.inspect()).status).not.toBe('held');

      // release --lease-id: of a lease taken for it.
      const taken = await cliHere(['lease', 'acquire', 'energy', '--json']);
      expect(taken.code).toBe(0);
      leaseId = (JSON.parse(taken.stdout) as { leaseId: string }).leaseId;
      await runLine(lineStarting('npx lakehouse lease release '), project.dir, fill('release'), project.env);
      expect((await guard.inspect()).status).not.toBe('held');

      // break --force: of a lease someone else holds and that is not stale.
      const { store } = await openCatalogLease(entry(), { holder: 'x', tool: 'lakehouse-dev/test', duckdb });
      const other = guardFor(entry(), store, { holder: 'ana@laptop' });
      await other.acquire({ operation: 'manual' });
      expect((await guard.inspect()).status).toBe('held');
      await runLine(lineStarting('npx lakehouse lease break   <lakehouse>'), project.dir, fill('break'), project.env);
      expect((await guard.inspect()).status).not.toBe('held');
    }, 600_000);
  });

  it('Break a stale lease by hand, in one line: on OneLake (the loopback OneLake proxy), 13 h after its holder stamped it', async () => {
    const proxy = await startOneLakeProxy({ azurite: inject('azuriteUrl') });
    try {
      const lakehouse = await proxy.addLakehouse({ workspace: 'Sales Workspace', item: 'sales' });
      expect(lakehouse.item).toBe('sales.Lakehouse');
      const example = line('npx lakehouse lease break onelake://Sales%20Workspace/sales.Lakehouse');
      const location = toArgv(example.text, noPlaceholders)[2]!;
      const previous = process.env[ONELAKE_ENDPOINT_ENV];
      process.env[ONELAKE_ENDPOINT_ENV] = proxy.blobEndpoint;
      try {
        const [entry] = parseLakehouseFile(
          `lakehouses:\n  - name: sales\n    location: ${location}\n`,
          'lakehouse.yml',
        );
        const { guard } = await openCatalogLease(entry!, {
          credential: loopbackTestCredential(),
          holder: 'ana@laptop',
          tool: 'lakehouse-dev/test',
          duckdb,
        });
        await guard.acquire({ operation: 'publish' });
        expect((await guard.inspect()).status).toBe('held');
        // 13 h pass on the service's clock: older than the default 12 h threshold.
        proxy.advanceClock(13 * 3_600_000);
        expect((await guard.inspect()).status).toBe('stale');
        const cwd = mkdtempSync(join(tmpdir(), 'lh-readme-break-'));
        workspaces.push(cwd);
        await runLine(example, cwd, noPlaceholders, { [ONELAKE_ENDPOINT_ENV]: proxy.blobEndpoint });
        expect(['free', 'broken']).toContain((await guard.inspect()).status);
      } finally {
        if (previous === undefined) delete process.env[ONELAKE_ENDPOINT_ENV];
        else process.env[ONELAKE_ENDPOINT_ENV] = previous;
      }
    } finally {
      await proxy.stop();
    }
  }, 300_000);

  it('every lakehouse command of README.md ran and exited as it should', () => {
    const runnable = lines.filter((l) => /^(?:npx )?lakehouse /.test(l.text)).map((l) => l.text);
    expect(runnable.filter((t) => !ran.has(t))).toEqual([]);
  });
});
