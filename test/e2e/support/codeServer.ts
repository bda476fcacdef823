// Starts a throwaway code-server (VS Code server + web workbench) for one e2e suite.
// Provisioned by scripts/provision-code-server.sh; see that script for why code-server.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const CODE_SERVER_VERSION = '4.100.3';

export class CodeServerError extends Error {
  override name = 'CodeServerError';
}

export interface CodeServerOptions {
  /** Folder opened as the workspace. */
  workspace: string;
  /** Unpacked extension folder; copied in as <publisher>.<name>-<version>. */
  extensionDir?: string;
  /** Alternative to extensionDir: a .vsix installed with --install-extension. */
  vsix?: string;
  /** Extra environment; code-server hands its environment to the extension host. */
  env?: Record<string, string>;
  /** Merged over the defaults and written to <user-data-dir>/User/settings.json. */
  userSettings?: Record<string, unknown>;
  /** false keeps Workspace Trust on so Restricted Mode can be tested. Default true. */
  trusted?: boolean;
  /** How long to wait for the HTTP server. Default 60 s. */
  startTimeoutMs?: number;
}

export interface CodeServer {
  url: string;
  port: number;
  userDataDir: string;
  extensionsDir: string;
  /** code-server's own stdout + stderr so far. */
  logs(): string;
  /** The extension host's log (where extension activation errors land). */
  extensionHostLog(): string;
  stop(): Promise<void>;
}

// Keep the editor quiet and deterministic: no welcome page, tips, update or chat prompts.
const DEFAULT_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.commandCenter.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'git.enabled': false,
};

export function codeServerHome(): string {
  return resolve(
    process.env.LAKEHOUSE_CODE_SERVER_HOME ??
      join(homedir(), '.cache', 'lakehouse-dev', `code-server-${CODE_SERVER_VERSION}`),
  );
}

function codeServerEntry(): string {
  const home = codeServerHome();
  const entry = join(home, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (!existsSync(join(home, '.provisioned-v1')) || !existsSync(entry)) {
    throw new CodeServerError(
      `code-server ${CODE_SERVER_VERSION} is not provisioned in ${home}: run scripts/provision-code-server.sh (npm run provision:e2e)`,
    );
  }
  return entry;
}

function childEnv(extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  // Inside a VS Code terminal these make code-server hand the folder to that editor and exit.
  for (const key of Object.keys(env)) {
    if (key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE') delete env[key];
  }
  return env;
}

function copyExtension(extensionDir: string, extensionsDir: string): void {
  const manifestPath = join(extensionDir, 'package.json');
  if (!existsSync(manifestPath)) throw new CodeServerError(`extensionDir ${extensionDir} has no package.json`);
  const { publisher, name, version } = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
  if (typeof publisher !== 'string' || typeof name !== 'string' || typeof version !== 'string') {
    throw new CodeServerError(`${manifestPath} needs string "publisher", "name" and "version" fields`);
  }
  const target = join(extensionsDir, `${publisher}.${name}-${version}`);
  cpSync(extensionDir, target, { recursive: true, filter: (src) => !src.endsWith('/.git') });
}

async function installVsix(entry: string, vsix: string, dirs: string[], env: NodeJS.ProcessEnv): Promise<void> {
  if (!existsSync(vsix)) throw new CodeServerError(`vsix ${vsix} does not exist: run npm run package first`);
  // --install-extension makes code-server run as a CLI and exit, so it is a separate step.
  try {
    await promisify(execFile)(process.execPath, [entry, ...dirs, '--force', '--install-extension', resolve(vsix)], {
      env,
      timeout: 120_000,
    });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new CodeServerError(`code-server could not install ${vsix}: ${detail}`);
  }
}

// A detached child leads its own process group, so the extension host, pty host and
// file watchers it forks can be killed together.
function killTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackForExit(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A crashed test run must not leave servers holding ports and CPU.
  process.once('exit', () => running.forEach((c) => killTree(c, 'SIGKILL')));
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((done) => {
    const timer = setTimeout(() => done(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      done(true);
    });
  });
}

async function waitForHealthz(
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
): Promise<{ url: string; port: number }> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new CodeServerError(`code-server exited with code ${child.exitCode} before listening:\n${output()}`);
    }
    // We bind port 0 and read the real port from the log, so two suites never race for one.
    const match = /HTTP server listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(output());
    if (match?.[1] && match[2]) {
      try {
        const res = await fetch(`${match[1]}/healthz`, { signal: AbortSignal.timeout(2_000) });
        if (res.ok) return { url: match[1], port: Number(match[2]) };
      } catch {
        // Not answering yet.
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new CodeServerError(`code-server did not answer within ${timeoutMs} ms:\n${output()}`);
}

function readExtensionHostLog(userDataDir: string): string {
  const logsRoot = join(userDataDir, 'logs');
  if (!existsSync(logsRoot)) return '';
  const chunks: string[] = [];
  for (const session of readdirSync(logsRoot).sort()) {
    const sessionDir = join(logsRoot, session);
    for (const host of readdirSync(sessionDir).filter((d) => d.startsWith('exthost'))) {
      for (const file of ['remoteexthost.log', 'exthost.log']) {
        const path = join(sessionDir, host, file);
        if (existsSync(path)) chunks.push(readFileSync(path, 'utf8'));
      }
    }
  }
  return chunks.join('\n');
}

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const entry = codeServerEntry();
  if (!existsSync(opts.workspace)) throw new CodeServerError(`workspace ${opts.workspace} does not exist`);
  const trusted = opts.trusted ?? true;

  const root = mkdtempSync(join(tmpdir(), 'lakehouse-code-server-'));
  const userDataDir = join(root, 'user-data');
  const extensionsDir = join(root, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });

  // Untrusted runs must not block on the trust modal: the workspace simply stays in Restricted Mode.
  const trustDefaults = trusted ? {} : { 'security.workspace.trust.startupPrompt': 'never' };
  const settings = { ...DEFAULT_SETTINGS, ...trustDefaults, ...opts.userSettings };
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  // Our own config file, so code-server never reads or creates ~/.config/code-server/config.yaml.
  const configFile = join(root, 'config.yaml');
  writeFileSync(configFile, 'auth: none\n');

  const env = childEnv(opts.env);
  const dirs = ['--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  if (opts.extensionDir) copyExtension(opts.extensionDir, extensionsDir);
  if (opts.vsix) await installVsix(entry, opts.vsix, dirs, env);

  const args = [
    entry,
    ...dirs,
    '--auth',
    'none',
    '--bind-addr',
    '127.0.0.1:0',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    ...(trusted ? ['--disable-workspace-trust'] : []),
    resolve(opts.workspace),
  ];
  const child = spawn(process.execPath, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  trackForExit(child);
  const chunks: string[] = [];
  child.stdout?.on('data', (d: Buffer) => chunks.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => chunks.push(d.toString()));
  const logs = (): string => chunks.join('');

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    killTree(child, 'SIGTERM');
    if (!(await waitForExit(child, 5_000))) killTree(child, 'SIGKILL');
    // The group can outlive its leader for a moment; make sure nothing keeps the dirs busy.
    killTree(child, 'SIGKILL');
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  };

  try {
    const { url, port } = await waitForHealthz(child, logs, opts.startTimeoutMs ?? 60_000);
    return {
      url,
      port,
      userDataDir,
      extensionsDir,
      logs,
      extensionHostLog: () => readExtensionHostLog(userDataDir),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
