import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LakehouseStore } from '../../../src/core/storage/blobStore';
import { freshLakehouse, runCli } from '../support/lakehouse';
import { seedRemoteCatalog } from '../support/seed';

type Lake = Awaited<ReturnType<typeof freshLakehouse>>;

/**
 * Hostile inputs through the real CLI against strict Azurite: each case names
 * its exit code, its stable error code, the key sentence of its message, and
 * proves nothing was lost — the remote blobs (names, ETags, MD5s) and the
 * local working folder are byte-for-byte what they were before the command.
 */
interface Case {
  input: string;
  /** Builds the remote and the working folder; returns the CLI args (without --json). */
  setup: () => Promise<{ cwd: string; args: string[]; lake?: Lake }>;
  exit: number;
  /** The `--json` error code; '' for an input that is valid and must work. */
  code: string;
  /** The key sentence: in the error message, or (for a valid input) in the JSON output. */
  message: string | RegExp;
  /**
   * What may change. `exact` (default): no blob, ETag or local file changes. `content`: the lease
   * (metadata, so the ETag) may move but no blob's content or name. `mirror`: the command may
   * pull into .lakehouse/ and target/, but the project's own files stay as they were.
   */
  remote?: 'exact' | 'content';
  local?: 'exact' | 'mirror';
}

const TABLES = [
  'CREATE TABLE lake.main.sites AS SELECT i AS site_id FROM range(3000) t(i)',
  `CREATE TABLE lake.main."Ventes été ""Q1""" AS SELECT i AS "n° client", 'é' AS "it's" FROM range(3000) t(i)`,
];

function folder(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-hostile-in-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function yml(location: string, extra = '', name = 'lh'): Record<string, string> {
  return { 'lakehouse.yml': `lakehouses:\n  - name: ${name}\n    location: ${location}\n${extra}` };
}

/** Every blob in the lakehouse's container with its ETag and MD5: equal before and after means nothing was written. */
async function remoteSnapshot(store: LakehouseStore, mode: 'exact' | 'content' = 'exact'): Promise<string[]> {
  const rows: string[] = [];
  const listing = store.container.listBlobsFlat({ prefix: `${store.location.item}/` });
  try {
    for await (const blob of listing) {
      const md5 = blob.properties.contentMD5 ? Buffer.from(blob.properties.contentMD5).toString('base64') : '';
      rows.push(mode === 'exact' ? `${blob.name} ${blob.properties.etag} ${md5}` : `${blob.name} ${md5}`);
    }
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    return ['<no container>'];
  }
  return rows.sort();
}

/** Every file under the working folder with its content hash. */
function localSnapshot(dir: string, mode: 'exact' | 'mirror' = 'exact'): string[] {
  const rows: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (mode === 'mirror' && d === dir && ['.lakehouse', 'target', 'logs'].includes(name)) continue;
      // The working area's own ignore file, written before any command: it holds no state.
      if (full === join(dir, '.lakehouse', '.gitignore')) continue;
      if (statSync(full).isDirectory()) walk(full);
      else rows.push(`${full.slice(dir.length)} ${createHash('sha256').update(readFileSync(full)).digest('hex')}`);
    }
  };
  if (existsSync(dir)) walk(dir);
  return rows.sort();
}

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('base64');

async function remoteMd5(lake: Lake): Promise<string | undefined> {
  const props = await lake.store
    .blob('Files/metadata.db')
    .getProperties()
    .catch(() => undefined);
  return props?.contentMD5 ? Buffer.from(props.contentMD5).toString('base64') : undefined;
}

/** A lakehouse with a real catalog whose lease is held by someone whose stamp says `acquiredAt`. */
async function lakeHeldWithStamp(acquiredAt: string): Promise<Lake> {
  const lake = await freshLakehouse();
  await seedRemoteCatalog(lake.store, TABLES);
  const blob = lake.store.blob('Files/metadata.db');
  const lease = await blob.getBlobLeaseClient().acquireLease(-1);
  await blob.setMetadata(
    { acquired_at: acquiredAt, holder: 'ghost@elsewhere', run_id: 'r1', tool: 'other/1', operation: 'run' },
    { conditions: { leaseId: lease.leaseId } },
  );
  return lake;
}

const PROFILE = readFileSync(join(__dirname, '../../../examples/energy/profiles.yml'), 'utf8').replace(
  /^energy:/m,
  'lab:',
);

/** A dbt project on a lakehouse with a real catalog. */
const projectCase = (models: Record<string, string>, args: string[]) => async () => {
  const lake = await freshLakehouse();
  await seedRemoteCatalog(lake.store, TABLES);
  const cwd = folder({
    ...yml(lake.location, '    project: .\n'),
    'dbt_project.yml': "name: lab\nprofile: lab\nconfig-version: 2\nmodel-paths: ['models']\n",
    'profiles.yml': PROFILE,
    ...models,
  });
  return { lake, cwd, args };
};

let validCatalog: Buffer;
let azuriteLake: Lake;

beforeAll(async () => {
  azuriteLake = await freshLakehouse();
  const { catalog } = await seedRemoteCatalog(azuriteLake.store, TABLES);
  validCatalog = readFileSync(catalog);
}, 120_000);

/** A lakehouse whose catalog blob holds `bytes`. */
async function lakeWithCatalog(bytes: Buffer | string): Promise<Lake> {
  const lake = await freshLakehouse();
  await lake.store.blob('Files/metadata.db').upload(bytes, Buffer.byteLength(bytes));
  return lake;
}

/** A lakehouse whose catalog was edited (through DuckDB's sqlite writer) to be hostile. */
async function lakeWithEditedCatalog(edit: string[]): Promise<Lake> {
  const lake = await freshLakehouse();
  await seedRemoteCatalog(lake.store, TABLES, { edit });
  return lake;
}

const pullCase = (lakeFor: () => Promise<Lake>) => async () => {
  const lake = await lakeFor();
  return { lake, cwd: folder(yml(lake.location)), args: ['pull', 'lh'] };
};

const configCase =
  (text: string, args: string[] = ['pull', 'lh']) =>
  async () => {
    const lake = azuriteLake;
    return { lake, cwd: folder({ 'lakehouse.yml': text.replaceAll('$LOC', lake.location) }), args };
  };

const CASES: Case[] = [
  // lakehouse.yml
  {
    input: 'lakehouse.yml is not YAML',
    setup: configCase('lakehouses: [\n  - name: lh\n'),
    exit: 2,
    code: 'config',
    message:
      'lakehouse.yml is not valid YAML: Block collections are not allowed within flow collections at line 2, column 3',
  },
  {
    input: 'lakehouse.yml is empty',
    setup: configCase(''),
    exit: 2,
    code: 'config',
    message: "No lakehouse named 'lh' in ",
  },
  {
    input: 'lakehouses is not a list',
    setup: configCase('lakehouses: lh\n'),
    exit: 2,
    code: 'config',
    message: "lakehouse.yml: 'lakehouses' must be a list.",
  },
  {
    input: 'unknown key stale_after',
    setup: configCase('lakehouses:\n  - name: lh\n    location: $LOC\n    stale_after: 1h\n'),
    exit: 2,
    code: 'config',
    message:
      "lakehouse.yml line 4: lakehouses[0] has an unknown key 'stale_after' (did you mean 'staleAfter'?); a lakehouse entry has name, location, catalog, staleAfter, project, iceberg, layout.",
  },
  {
    input: 'staleAfter: 0',
    setup: configCase('lakehouses:\n  - name: lh\n    location: $LOC\n    staleAfter: 0\n'),
    exit: 2,
    code: 'config',
    message:
      'lakehouse.yml lakehouses[0] staleAfter 0 is too short: a lease younger than that could be broken while its run is still working.',
  },
  {
    input: 'staleAfter: soon (garbage)',
    setup: configCase('lakehouses:\n  - name: lh\n    location: $LOC\n    staleAfter: soon\n'),
    exit: 2,
    code: 'config',
    message: "lakehouse.yml lakehouses[0] staleAfter 'soon'.",
  },
  {
    input: 'staleAfter: -5m',
    setup: configCase('lakehouses:\n  - name: lh\n    location: $LOC\n    staleAfter: -5m\n'),
    exit: 2,
    code: 'config',
    message: "lakehouse.yml lakehouses[0] staleAfter '-5m'.",
  },
  {
    input: 'location is not a URL',
    setup: configCase('lakehouses:\n  - name: lh\n    location: just some words\n'),
    exit: 2,
    code: 'config',
    message: "Invalid lakehouse location 'just some words': not a URL.",
  },
  {
    input: 'location with an unknown scheme',
    setup: configCase('lakehouses:\n  - name: lh\n    location: s3://bucket/lake\n'),
    exit: 2,
    code: 'config',
    message: "Invalid lakehouse location 's3://bucket/lake': unknown scheme 's3'.",
  },
  {
    input: 'onelake location without a lakehouse',
    setup: configCase('lakehouses:\n  - name: lh\n    location: onelake://Sales\n'),
    exit: 2,
    code: 'config',
    message: "Invalid lakehouse location 'onelake://Sales': expected a lakehouse item after the workspace.",
  },
  {
    input: 'location carrying a SAS token',
    setup: configCase('lakehouses:\n  - name: lh\n    location: $LOC?sv=2024&sig=SECRETCANARY\n'),
    exit: 2,
    code: 'config',
    message:
      'lakehouses[0]: the location carries a SAS token or access token (query string); credentials are never read from a location',
  },
  {
    input: 'location carrying user:password',
    setup: configCase('lakehouses:\n  - name: lh\n    location: onelake://bob:SECRETCANARY@Sales/sales.Lakehouse\n'),
    exit: 2,
    code: 'config',
    message: 'lakehouses[0]: the location carries a password; credentials are never read from a location',
  },
  {
    input: 'entry without a location',
    setup: configCase('lakehouses:\n  - name: lh\n'),
    exit: 2,
    code: 'config',
    message: "lakehouses[0]: 'location' is required.",
  },
  {
    input: 'two entries with the same name',
    setup: configCase('lakehouses:\n  - name: lh\n    location: $LOC\n  - name: lh\n    location: $LOC\n'),
    exit: 2,
    code: 'config',
    message: "lakehouses[1]: the name 'lh' is used twice.",
  },
  {
    input: 'a name that is not in lakehouse.yml',
    setup: configCase('lakehouses:\n  - name: lh\n    location: $LOC\n', ['pull', 'nope']),
    exit: 2,
    code: 'config',
    message: "No lakehouse named 'nope' in ",
  },
  {
    input: 'a lakehouse name with a path separator',
    setup: configCase('lakehouses:\n  - name: ../evil\n    location: $LOC\n', ['pull', '../evil']),
    exit: 2,
    code: 'config',
    message: "lakehouses[0]: 'name' must be 1–64 letters, digits, '.', '_' or '-'.",
  },
  {
    input: 'catalog path escaping the lakehouse (--catalog ../x.db)',
    setup: configCase('lakehouses:\n  - name: lh\n    location: $LOC\n', ['pull', 'lh', '--catalog', '../x.db']),
    exit: 2,
    code: 'config',
    message: "Path '../x.db' leaves the lakehouse.",
  },
  {
    input: '--stale-after 0 on lease acquire',
    setup: configCase('lakehouses:\n  - name: lh\n    location: $LOC\n', [
      'lease',
      'acquire',
      'lh',
      '--stale-after',
      '0',
    ]),
    exit: 2,
    code: 'config',
    message: 'command line lakehouses[0] staleAfter "0" is too short',
  },
  // remote
  {
    input: 'a container that does not exist',
    setup: async () => {
      const lake = await freshLakehouse({ createContainer: false });
      return { lake, cwd: folder(yml(lake.location)), args: ['pull', 'lh'] };
    },
    exit: 1,
    code: 'container-missing',
    message: 'does not exist, or this account cannot see it; no catalog can be created there.',
  },
  {
    input: 'no catalog in the lakehouse',
    setup: async () => {
      const lake = await freshLakehouse();
      return { lake, cwd: folder(yml(lake.location)), args: ['pull', 'lh'] };
    },
    exit: 1,
    code: 'catalog-missing',
    message: 'Files/metadata.db does not exist in ws-',
  },
  {
    input: 'an empty catalog file',
    setup: pullCase(() => lakeWithCatalog(Buffer.alloc(0))),
    exit: 1,
    code: 'catalog-format',
    message:
      'The remote Files/metadata.db is neither a SQLite nor a DuckDB database (it is empty); it cannot be a DuckLake catalog.',
  },
  {
    input: 'a catalog that is plain text',
    setup: pullCase(() => lakeWithCatalog('hello, I am not a database\n')),
    exit: 1,
    code: 'catalog-format',
    message: 'The remote Files/metadata.db is neither a SQLite nor a DuckDB database; it cannot be a DuckLake catalog.',
  },
  {
    input: 'a truncated SQLite catalog',
    setup: pullCase(() => lakeWithCatalog(validCatalog.subarray(0, 4096 + 100))),
    exit: 1,
    code: 'catalog-format',
    message:
      'The remote Files/metadata.db is a truncated SQLite catalog: 4196 of its 155648 bytes are there; a download or copy was cut short.',
  },
  {
    input: 'a SQLite header followed by garbage',
    setup: pullCase(() => lakeWithCatalog(Buffer.concat([validCatalog.subarray(0, 100), Buffer.alloc(8192, 0xab)]))),
    exit: 1,
    code: 'catalog-format',
    message: 'The remote Files/metadata.db is a truncated SQLite catalog: 8292 of its 155648 bytes are there',
  },
  {
    input: 'a SQLite file that is not DuckLake',
    setup: pullCase(() => lakeWithEditedCatalog(['DROP TABLE cat.ducklake_metadata'])),
    exit: 1,
    code: 'catalog-format',
    message:
      'The remote Files/metadata.db is a SQLite database but not a DuckLake catalog (no ducklake_metadata table).',
  },
  {
    input: 'a catalog from a newer DuckLake',
    setup: pullCase(() =>
      lakeWithEditedCatalog(["UPDATE cat.ducklake_metadata SET value = '9.0' WHERE key = 'version'"]),
    ),
    exit: 1,
    code: 'catalog-format',
    message: 'The catalog is DuckLake version 9.0; this build of Lakehouse Dev supports 1.0 (DuckDB 1.5.5).',
  },
  {
    input: 'a data file path with ..',
    setup: pullCase(() => lakeWithEditedCatalog(["UPDATE cat.ducklake_data_file SET path = '../../../../etc/passwd'"])),
    exit: 1,
    code: 'catalog-path-unsafe',
    message: "/../../../../etc/passwd', which leaves the data folder; refusing to use it.",
  },
  {
    input: 'an absolute data file path',
    setup: pullCase(() =>
      lakeWithEditedCatalog(["UPDATE cat.ducklake_data_file SET path = '/etc/passwd', path_is_relative = false"]),
    ),
    exit: 1,
    code: 'catalog-path-unsafe',
    message:
      "The catalog references '/etc/passwd', which is an absolute path outside the lakehouse; refusing to use it.",
  },
  {
    input: 'a catalog that is a directory',
    setup: async () => {
      const lake = await freshLakehouse();
      await lake.store.blob('Files/metadata.db/part-0').upload('x', 1);
      return { lake, cwd: folder(yml(lake.location)), args: ['pull', 'lh'] };
    },
    exit: 1,
    code: 'catalog-missing',
    message: 'Files/metadata.db does not exist in ws-',
  },
  // state between commands, the lease stamp, models
  {
    input: 'the catalog deleted between pull and publish',
    setup: async () => {
      const c = await projectCase({ 'models/a.sql': 'select 1 as x\n' }, ['publish', 'lh'])();
      expect((await runCli(['run', 'lh'], {}, c.cwd)).code).toBe(0);
      await c.lake.store.blob('Files/metadata.db').delete();
      return c;
    },
    exit: 11,
    code: 'catalog-deleted',
    message: 'The remote metadata.db was deleted after your pull; nothing was uploaded and no catalog was created.',
    local: 'mirror',
  },
  {
    input: 'a lease stamp two hours in the future',
    setup: async () => {
      const lake = await lakeHeldWithStamp(new Date(Date.now() + 2 * 3600_000).toISOString());
      return { lake, cwd: folder(yml(lake.location, '    staleAfter: 2s\n')), args: ['lease', 'break', 'lh'] };
    },
    exit: 5,
    code: 'lease-not-stale',
    message: 'Not breaking: metadata.db is held by ghost@elsewhere (run, run r1) since ',
  },
  {
    input: 'an unparseable lease stamp',
    setup: async () => {
      const lake = await lakeHeldWithStamp('last tuesday');
      return { lake, cwd: folder(yml(lake.location)), args: ['lease', 'break', 'lh'] };
    },
    exit: 5,
    code: 'lease-not-stale',
    // Age runs from the stamp write on the service's clock: a slow start-up may already take a minute off.
    message:
      /\(its stamp time is unreadable: age measured from the last write\); it can be broken as stale in (12 h|11 h \d+ m)\./,
  },
  {
    input: 'a lease stamp from 1970',
    setup: async () => {
      const lake = await lakeHeldWithStamp('1970-01-01T00:00:00Z');
      return { lake, cwd: folder(yml(lake.location)), args: ['lease', 'break', 'lh'] };
    },
    exit: 5,
    code: 'lease-not-stale',
    message: / ago; it can be broken as stale in (12 h|11 h \d+ m)\./,
  },
  {
    input: 'a selector that matches nothing',
    setup: projectCase({ 'models/a.sql': 'select 1 as x\n' }, ['run', 'lh', '--select', 'nope']),
    exit: 2,
    code: 'usage',
    message: '--select nope matches no model, seed or snapshot in this project; nothing was run.',
    remote: 'content',
    local: 'mirror',
  },
  {
    input: 'SQL with a syntax error in a model',
    setup: projectCase({ 'models/a.sql': 'selec 1 as x frm\n' }, ['run', 'lh']),
    exit: 8,
    code: '',
    message: 'model a failed: Parser Error: syntax error at or near \\"selec\\"',
    remote: 'content',
    local: 'mirror',
  },
  // valid names that must work
  {
    input: 'a workspace name with spaces and capitals (OneLake)',
    setup: async () => {
      const lake = await freshLakehouse({
        flavor: 'onelake',
        workspace: `Ventes Team Q1 ${Date.now()}`,
        item: 'Sales_2026',
      });
      await seedRemoteCatalog(lake.store, TABLES);
      return { lake, cwd: folder(yml(`"${lake.location}"`)), args: ['pull', 'lh'] };
    },
    exit: 0,
    code: '',
    message: '"downloaded": 2',
  },
  {
    input: 'a lakehouse item name with spaces and unicode (Azurite)',
    setup: async () => {
      const lake = await freshLakehouse({ item: 'Données été 2026' });
      await seedRemoteCatalog(lake.store, TABLES);
      return { lake, cwd: folder(yml(`"${lake.location}"`)), args: ['pull', 'lh'] };
    },
    exit: 0,
    code: '',
    message: '"downloaded": 2',
  },
  {
    input: 'a table name with quotes, spaces and unicode',
    setup: async () => {
      const lake = await freshLakehouse();
      await seedRemoteCatalog(lake.store, TABLES);
      const cwd = folder(yml(lake.location));
      expect((await runCli(['pull', 'lh'], {}, cwd)).code).toBe(0);
      return {
        lake,
        cwd,
        args: [
          'query',
          'SELECT count(*) AS n, min("n° client") AS lo FROM "Ventes été ""Q1"""',
          '--lakehouse',
          'lh',
          '--format',
          'json',
        ],
      };
    },
    exit: 0,
    code: '',
    message: '3000',
  },
  {
    input: 'a lakehouse.yml name with unicode',
    setup: async () => {
      const lake = await freshLakehouse();
      await seedRemoteCatalog(lake.store, TABLES);
      return { lake, cwd: folder(yml(lake.location, '', 'ventes-été')), args: ['pull', 'ventes-été'] };
    },
    exit: 0,
    code: '',
    message: '"downloaded": 2',
  },
];

describe('hostile inputs: exact message, nothing lost', () => {
  for (const c of CASES) {
    it(c.input, async () => {
      const { cwd, args, lake } = await c.setup();
      const remoteBefore = lake ? await remoteSnapshot(lake.store, c.remote) : [];
      const localBefore = localSnapshot(cwd, c.local);
      const base = join(cwd, '.lakehouse', 'lh', 'catalog', 'base.db');
      const baseBefore = existsSync(base) ? md5(readFileSync(base)) : undefined;
      const result = await runCli(args[0] === 'query' ? args : [...args, '--json'], {}, cwd);
      const what = `${c.input}: ${result.stdout}${result.stderr}`;
      expect(result.stderr, what).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
      expect({ exit: result.code, code: result.json.error?.code ?? '' }, what).toEqual({ exit: c.exit, code: c.code });
      const text = c.code ? (result.json.error?.message ?? '') : result.stdout;
      if (typeof c.message === 'string') expect(text, what).toContain(c.message);
      else expect(text, what).toMatch(c.message);
      if (lake) expect(await remoteSnapshot(lake.store, c.remote), `${c.input}: remote changed`).toEqual(remoteBefore);
      if (c.exit !== 0) expect(localSnapshot(cwd, c.local), `${c.input}: local folder changed`).toEqual(localBefore);
      // Not torn: the mirror's pulled catalog is the one it had, or a whole copy of the remote one.
      if (existsSync(base))
        expect([baseBefore, await remoteMd5(lake!)], `${c.input}: torn mirror`).toContain(md5(readFileSync(base)));
    });
  }
});
