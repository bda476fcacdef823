// Untimed helper calls into the bundled bench runner (dist/bench/runners.js):
// landing-file generation, row counts, DuckDB info.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { lastJson } from './timed-child.mjs';
import { RUNNER } from './sides.mjs';

const run = promisify(execFile);

export async function runnerCall(args, env = process.env) {
  const { stdout } = await run(process.execPath, [RUNNER, ...args], { env, maxBuffer: 64 * 1024 * 1024 });
  return lastJson(stdout);
}
