// Runs one child process and measures what the user would feel: wall time
// from spawn to exit, and the child's peak resident memory (ru_maxrss).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';
// Without GNU time, a tiny Python wrapper reads the same numbers via getrusage(RUSAGE_CHILDREN).
const PY_WRAPPER =
  'import resource,subprocess,sys\n' +
  'rc = subprocess.call(sys.argv[2:])\n' +
  'u = resource.getrusage(resource.RUSAGE_CHILDREN)\n' +
  'open(sys.argv[1], "w").write(f"{u.ru_maxrss} {u.ru_utime + u.ru_stime}")\n' +
  'sys.exit(rc)';

export const rssMethod = existsSync(GNU_TIME) ? '/usr/bin/time -v' : 'python getrusage(RUSAGE_CHILDREN)';

/**
 * Resolves with { seconds, cpuSeconds, maxRssMb, load1, code, output }. CPU
 * time (user + system) is less sensitive than wall time to other work on a
 * busy machine; load1 is the 1-minute load average at the start, to show how
 * busy it was. The child's stdout and stderr also go to `<logDir>/<label>.log`.
 */
export function timedChild(command, args, { cwd, env, logDir, label }) {
  const rssFile = join(logDir, `${label}.rss`);
  const [wrapper, wrapperArgs] = existsSync(GNU_TIME)
    ? [GNU_TIME, ['-v', '-o', rssFile, command, ...args]]
    : ['python3', ['-c', PY_WRAPPER, rssFile, command, ...args]];
  return new Promise((resolve, reject) => {
    const chunks = [];
    const load1 = loadavg()[0];
    const started = performance.now();
    const child = spawn(wrapper, wrapperArgs, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      const output = Buffer.concat(chunks).toString('utf8');
      writeFileSync(join(logDir, `${label}.log`), output);
      resolve({ seconds, ...readUsage(rssFile), load1, code, output });
      rmSync(rssFile, { force: true });
    });
  });
}

function readUsage(file) {
  if (!existsSync(file)) return { maxRssMb: NaN, cpuSeconds: NaN };
  const text = readFileSync(file, 'utf8');
  const gnu = (label) => Number(new RegExp(`${label}:\\s*([\\d.]+)`).exec(text)?.[1]);
  if (text.includes('Maximum resident set size')) {
    return {
      maxRssMb: gnu('Maximum resident set size \\(kbytes\\)') / 1024,
      cpuSeconds: gnu('User time \\(seconds\\)') + gnu('System time \\(seconds\\)'),
    };
  }
  const [rssKb, cpu] = text.trim().split(' ').map(Number);
  return { maxRssMb: rssKb / 1024, cpuSeconds: cpu };
}

/** The last line of a child's output that parses as JSON (our runner prints its result there). */
export function lastJson(output) {
  const lines = output.trim().split('\n').reverse();
  for (const line of lines) {
    try {
      return JSON.parse(line);
    } catch {
      // not the result line
    }
  }
  throw new Error(`no JSON result in output:\n${output.slice(-2000)}`);
}
