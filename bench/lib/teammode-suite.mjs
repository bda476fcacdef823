// Team mode bench: examples/energy built by 1, 2 and 4 writers at once into one
// lakehouse, on a PostgreSQL DuckLake catalog (commits straight to the catalog,
// conflicts retried by the product) side by side with the SQLite catalog under
// the lease (each writer a `build --publish`; a writer that finds the lease busy
// waits and tries again). Real parts only: Azurite for the lakehouse, Debian's
// PostgreSQL on loopback, the built CLI as separate processes. Measures only.
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const WRITERS = [1, 2, 4];
const CONNECTION_ENV = 'LAKEHOUSE_PG_BENCH';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startAzurite(repoDir, root) {
  const port = await freePort();
  const location = join(root, 'azurite');
  mkdirSync(location, { recursive: true });
  const child = spawn(
    join(repoDir, 'node_modules', '.bin', 'azurite-blob'),
    ['--blobHost', '127.0.0.1', '--blobPort', String(port), '-l', location, '--skipApiVersionCheck', '--loose'],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((resolve) => {
      const socket = createServer().listen(port, '127.0.0.1');
      socket.once('error', () => resolve(true));
      socket.once('listening', () => socket.close(() => resolve(false)));
    });
    if (up) break;
    await sleep(100);
  }
  return { host: `127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

async function startPostgres(root) {
  const base = '/usr/lib/postgresql';
  const version = existsSync(base) ? readdirSync(base).sort((a, b) => Number(b) - Number(a))[0] : undefined;
  if (!version) throw new Error('PostgreSQL server binaries not found: apt-get install -y postgresql');
  const bin = join(base, version, 'bin');
  // Its own temp dir: initdb runs as the postgres user when we are root, and must reach it.
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-bench-pg-'));
  void root;
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
  const run = (tool, args) => {
    const r = asRoot
      ? spawnSync('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args], { encoding: 'utf8' })
      : spawnSync(join(bin, tool), args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${tool}: ${r.stderr || r.stdout}`);
  };
  run('initdb', ['-D', join(dir, 'data'), '-U', 'lakehouse', '--auth=trust', '--no-sync', '--locale=C', '-E', 'UTF8']);
  const port = await freePort();
  run('pg_ctl', [
    '-D',
    join(dir, 'data'),
    '-l',
    join(dir, 'log'),
    '-w',
    '-o',
    `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c max_connections=200`,
    'start',
  ]);
  let n = 0;
  return {
    createDatabase() {
      const name = `bench_${++n}`;
      execFileSync(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'lakehouse', '-d', 'postgres'], {
        input: `CREATE DATABASE ${name};\n`,
        stdio: ['pipe', 'ignore', 'pipe'],
      });
      return `host=127.0.0.1 port=${port} user=lakehouse dbname=${name}`;
    },
    stop: () => {
      run('pg_ctl', ['-D', join(dir, 'data'), '-m', 'immediate', '-w', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function cli(repoDir, args, cwd, env) {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoDir, 'dist', 'cli.js'), ...args],
      { cwd, env, timeout: 1_800_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout) => {
        let json = {};
        try {
          json = JSON.parse(stdout);
        } catch {
          // not JSON
        }
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, json });
      },
    );
  });
}

const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

async function createContainer(repoDir, host, name) {
  const { BlobServiceClient } = await import(
    join(repoDir, 'node_modules', '@azure', 'storage-blob', 'dist', 'commonjs', 'index.js')
  );
  const service = BlobServiceClient.fromConnectionString(
    `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_KEY};BlobEndpoint=http://${host}/devstoreaccount1;`,
  );
  await service.getContainerClient(name).createIfNotExists();
}

/** One writer's folder: its own copy of the project (its own mirror, as on its own machine). */
function writerFolder(repoDir, root, name, lakehouseYml) {
  const dir = join(root, name);
  cpSync(join(repoDir, 'examples', 'energy'), dir, {
    recursive: true,
    filter: (src) => !/[\\/](target|landing|lake|logs|\.lakehouse)$/.test(src),
  });
  writeFileSync(join(dir, 'lakehouse.yml'), lakehouseYml);
  return dir;
}

/** N writers build at once until every one has landed; wall time, retries, and failures. */
async function round(repoDir, { mode, writers, root, azurite, pg, landing, index }) {
  const container = `bench-${mode}-${writers}-${index}`;
  const location = `azurite://${azurite.host}/${container}/energy.Lakehouse`;
  const env = { ...process.env, ENERGY_LANDING_PATH: landing, DO_NOT_TRACK: '1' };
  let yml = `lakehouses:\n  - name: energy\n    location: ${location}\n`;
  if (mode === 'postgres') {
    env[CONNECTION_ENV] = pg.createDatabase();
    yml += `    catalog: { type: postgres, connection_env: ${CONNECTION_ENV} }\n`;
  }
  const folders = Array.from({ length: writers }, (_, i) =>
    writerFolder(repoDir, join(root, container), `w${i + 1}`, yml),
  );
  // The container (a Fabric workspace) exists before the clock starts.
  await createContainer(repoDir, azurite.host, container);
  const started = performance.now();
  let conflicts = 0;
  let busy = 0;
  let failures = 0;
  await Promise.all(
    folders.map(async (cwd, i) => {
      const args =
        mode === 'postgres'
          ? ['build', 'energy', '--json', '--holder', `w${i + 1}@bench`]
          : ['build', 'energy', '--publish', '--json', '--holder', `w${i + 1}@bench`];
      for (let attempt = 0; attempt < 200; attempt++) {
        const result = await cli(repoDir, args, cwd, env);
        conflicts += Number(result.json.conflicts ?? 0);
        const code = result.json.error?.code;
        if (result.code === 0 || (mode === 'postgres' && result.json.run)) {
          if (result.code !== 0) failures++;
          return;
        }
        // The lease path: someone else holds it (or published since this writer pulled): wait, try again.
        if (code === 'lease-busy' || code === 'catalog-changed' || code === 'catalog-missing') {
          busy++;
          await sleep(250);
          continue;
        }
        failures++;
        return;
      }
    }),
  );
  const wallMs = performance.now() - started;
  rmSync(join(root, container), { recursive: true, force: true });
  return { wallMs, conflicts, busy, failures };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function runTeamModeSuite(repoDir, { reps = 1, energyScale = 5, energyDays = 2 } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'lakehouse-bench-team-'));
  const azurite = await startAzurite(repoDir, root);
  let pg;
  try {
    pg = await startPostgres(root);
    const landing = join(root, 'landing');
    execFileSync(
      process.execPath,
      [
        join(repoDir, 'examples', 'energy', 'generate-data.mjs'),
        '--dir',
        landing,
        '--scale',
        String(energyScale),
        '--days',
        String(energyDays),
        '--batch',
        '1',
      ],
      { stdio: 'ignore' },
    );
    const cases = [];
    for (const writers of WRITERS) {
      for (const mode of ['postgres', 'sqlite-lease']) {
        const samples = [];
        for (let rep = 1; rep <= reps; rep++) {
          const load1AtStart = Math.round(loadavg()[0] * 100) / 100;
          const sample = await round(repoDir, { mode, writers, root, azurite, pg, landing, index: rep });
          samples.push({ ...sample, load1AtStart });
        }
        cases.push({
          mode,
          writers,
          wallMsMedian: Math.round(median(samples.map((s) => s.wallMs))),
          conflictsRetried: samples.reduce((a, s) => a + s.conflicts, 0),
          leaseBusyRetries: samples.reduce((a, s) => a + s.busy, 0),
          failures: samples.reduce((a, s) => a + s.failures, 0),
          samples,
        });
      }
    }
    for (const writers of WRITERS) {
      const pgCase = cases.find((c) => c.mode === 'postgres' && c.writers === writers);
      const lease = cases.find((c) => c.mode === 'sqlite-lease' && c.writers === writers);
      pgCase.ratioToLease = Math.round((pgCase.wallMsMedian / lease.wallMsMedian) * 100) / 100;
    }
    return {
      settings: {
        reps,
        energy: { scale: energyScale, days: energyDays },
        work: 'lakehouse build (seeds, models, tests) of examples/energy per writer',
      },
      cases,
    };
  } finally {
    pg?.stop();
    azurite.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

export function teamModeSummary(result) {
  const rows = result.cases.map(
    (c) =>
      `${c.mode.padEnd(13)} ${String(c.writers).padStart(2)} writer(s)  ${(c.wallMsMedian / 1000).toFixed(1).padStart(7)} s  conflicts retried ${String(c.conflictsRetried).padStart(3)}  lease-busy waits ${String(c.leaseBusyRetries).padStart(3)}  failures ${c.failures}${c.ratioToLease !== undefined ? `  (x${c.ratioToLease} of the lease path)` : ''}`,
  );
  return ['team mode: examples/energy, N writers at once (wall time until all landed)', ...rows].join('\n');
}
