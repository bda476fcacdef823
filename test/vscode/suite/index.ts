// Entry VS Code loads as extensionTestsPath. The *.vsc.ts files are bundled in beside
// it by test/vscode/run-test-electron.mjs, and register themselves on import.
import { runRegistered } from './harness';

export function run(): Promise<void> {
  return runRegistered();
}
