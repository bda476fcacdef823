// What the numbers were measured on and with; also refuses to compare when the
// two sides would load different DuckDB or extension binaries.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem, release } from 'node:os';
import { join } from 'node:path';
import { runnerCall } from './runner-child.mjs';
import { PEER_VENV } from './sides.mjs';
import { rssMethod } from './timed-child.mjs';

export async function machineInfo(repoDir) {
  const builtin = await runnerCall(['info']);
  const peer = JSON.parse(
    execFileSync(join(PEER_VENV, 'bin', 'python'), [join(import.meta.dirname, 'peer-info.py')], { encoding: 'utf8' }),
  );
  assertSameBinaries(builtin, peer);
  return {
    date: new Date().toISOString(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    totalMemGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `${process.platform} ${release()}`,
    node: process.version,
    duckdbBuiltin: builtin.version,
    duckdbPython: peer.duckdb,
    python: peer.python,
    dbtCore: peer.dbtCore,
    dbtDuckdb: peer.dbtDuckdb,
    extensions: builtin.extensions,
    extensionDirectory: process.env.LAKEHOUSE_DUCKDB_EXTENSIONS,
    rssMethod,
    git: gitRevision(repoDir),
    loadAvgStart: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

function assertSameBinaries(builtin, peer) {
  const key = (e) => `${e.name} ${e.version} ${e.path}`;
  const a = builtin.extensions.map(key).join('\n');
  const b = peer.extensions.map(key).join('\n');
  if (builtin.version.replace(/^v/, '') !== peer.duckdb || a !== b) {
    throw new Error(
      `the runners would not use the same DuckDB build:\nbuilt-in DuckDB ${builtin.version}\n${a}\ndbt's DuckDB ${peer.duckdb}\n${b}`,
    );
  }
}

function gitRevision(repoDir) {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoDir, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: repoDir, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} (with local changes)` : head;
  } catch {
    return 'unknown';
  }
}
