// Runs test/vscode/suite/*.vsc.ts inside a downloaded desktop VS Code (npm run test:vscode).
// For machines that can reach VS Code's download servers; ours cannot, and use the
// code-server e2e suite (npm run test:e2e) instead.
import { downloadAndUnzipVSCode, runTests, SilentReporter } from '@vscode/test-electron';
import * as esbuild from 'esbuild';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// Same line as the code-server the e2e suite uses, and our engines.vscode floor.
const VSCODE_VERSION = process.env.LAKEHOUSE_VSCODE_VERSION ?? '1.100.3';
const root = resolve(import.meta.dirname, '..', '..');
const suiteDir = join(root, 'test', 'vscode', 'suite');
const outfile = join(root, 'dist', 'test', 'vscode', 'suite.js');

function fail(message) {
  console.error(`test:vscode: ${message}`);
  process.exit(1);
}

if (!existsSync(join(root, 'dist', 'extension.js'))) fail('dist/extension.js is missing: run npm run build first');

// One bundle, so every suite file registers into the same harness instance.
const suites = readdirSync(suiteDir)
  .filter((f) => f.endsWith('.vsc.ts'))
  .sort();
if (suites.length === 0) fail(`no *.vsc.ts files in ${suiteDir}`);
await esbuild.build({
  stdin: {
    contents: [`export { run } from './index';`, ...suites.map((f) => `import './${f.slice(0, -3)}';`)].join('\n'),
    resolveDir: suiteDir,
    loader: 'ts',
    sourcefile: 'suite-entry.ts',
  },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  sourcemap: 'inline',
  outfile,
  logLevel: 'warning',
});

let vscodeExecutablePath;
try {
  vscodeExecutablePath = await downloadAndUnzipVSCode({
    version: VSCODE_VERSION,
    timeout: 15_000,
    reporter: new SilentReporter(),
  });
} catch (error) {
  fail(
    `@vscode/test-electron needs to download VS Code; this machine cannot reach it — use npm run test:e2e (code-server) instead.\n` +
      `  (${error instanceof Error ? error.message : error})`,
  );
}

if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  fail('desktop VS Code needs a display: run it as `xvfb-run -a npm run test:vscode`');
}

// A scratch workspace: the tests must not depend on, or write into, the repo.
const workspace = mkdtempSync(join(tmpdir(), 'lakehouse-vscode-test-'));
let failure;
try {
  await runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: root,
    extensionTestsPath: outfile,
    launchArgs: [
      workspace,
      '--disable-extensions',
      '--disable-workspace-trust',
      '--skip-welcome',
      '--skip-release-notes',
    ],
  });
} catch (error) {
  failure = `in-editor tests failed (${error instanceof Error ? error.message : error})`;
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
if (failure) fail(failure);
