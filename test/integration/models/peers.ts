import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The Python venv with real dbt-duckdb (scripts/provision-python-peers.sh). */
export const PEER_VENV = process.env.LAKEHOUSE_PEER_VENV ?? join(homedir(), '.cache', 'lakehouse-dev', 'py-peers');
export const DBT = join(PEER_VENV, 'bin', 'dbt');

export function requireDbt(): void {
  if (!existsSync(DBT)) {
    throw new Error(`dbt not found at ${DBT}: run 'npm run provision:peers' (scripts/provision-python-peers.sh).`);
  }
}

/** Runs the real dbt CLI in a project; resolves with its output, rejects with it on a non-zero exit. */
export function dbt(projectDir: string, args: string[], env: Record<string, string | undefined>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      DBT,
      [...args, '--project-dir', projectDir, '--profiles-dir', projectDir],
      {
        cwd: projectDir,
        env: { ...env, DBT_SEND_ANONYMOUS_USAGE_STATS: 'false', DO_NOT_TRACK: '1' },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`dbt ${args.join(' ')} failed:\n${stdout}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}
