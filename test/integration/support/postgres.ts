import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real PostgreSQL server for the team-mode tests: Debian's binaries, a fresh
 * cluster in a temp dir, listening on a free loopback port with its unix
 * socket in the same temp dir, trust auth on loopback only. Stopped and
 * removed by `stop()`. initdb refuses to run as root, so as root the cluster
 * belongs to the `postgres` user the Debian package creates.
 */
export interface PostgresServer {
  port: number;
  /** libpq key/value connection string to the `lakehouse` database (no password: trust on loopback). */
  connection: (database?: string) => string;
  /** Creates a fresh database and returns its connection string. */
  createDatabase: (name: string) => string;
  stop: () => void;
}

function binDir(): string {
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(base, versions[0], 'bin');
  }
  throw new Error(
    "PostgreSQL server binaries not found under /usr/lib/postgresql: install Debian's 'postgresql' package (apt-get install -y postgresql).",
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = binDir();
  const root = mkdtempSync(join(tmpdir(), 'lakehouse-pg-'));
  const data = join(root, 'data');
  const asRoot = process.getuid?.() === 0;
  const run = (tool: string, args: string[]) => {
    const command = asRoot ? 'runuser' : join(bin, tool);
    const argv = asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args;
    const result = spawnSync(command, argv, { encoding: 'utf8', cwd: root });
    if (result.status !== 0)
      throw new Error(`${tool} failed (${result.status}): ${result.stderr || result.stdout || result.error?.message}`);
    return result.stdout;
  };
  if (asRoot) execFileSync('chown', ['postgres:postgres', root]);
  run('initdb', ['-D', data, '-U', 'lakehouse', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  // Loopback and the socket only; trust is acceptable for a throwaway test cluster bound to 127.0.0.1.
  writeFileSync(
    join(data, 'pg_hba.conf'),
    'local all all trust\nhost all all 127.0.0.1/32 trust\n',
    asRoot ? { mode: 0o600 } : undefined,
  );
  if (asRoot) execFileSync('chown', ['postgres:postgres', join(data, 'pg_hba.conf')]);
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      run('pg_ctl', [
        '-D',
        data,
        '-l',
        join(root, 'server.log'),
        '-w',
        '-t',
        '120',
        '-o',
        `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${root} -c fsync=off -c max_connections=200`,
        'start',
      ]);
      break;
    } catch (error) {
      // Someone took the port between our probe and the server's bind: try another.
      if (attempt >= 3) throw error;
    }
  }
  const connection = (database = 'postgres') => `host=127.0.0.1 port=${port} user=lakehouse dbname=${database}`;
  return {
    port,
    connection,
    createDatabase(name: string) {
      if (!/^[a-z][a-z0-9_]{0,62}$/.test(name)) throw new Error(`bad database name ${name}`);
      execFileSync(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'lakehouse', '-d', 'postgres'], {
        input: `CREATE DATABASE ${name};\n`,
        stdio: ['pipe', 'ignore', 'pipe'],
      });
      return connection(name);
    },
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}
