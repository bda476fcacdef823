/**
 * The `lakehouse` command (dist/cli.js): a small loader that sets the V8 flags short commands want and runs the
 * CLI bundle (dist/cliMain.js) through V8's code cache (codeCache.ts says why and how).
 */
import { join } from 'node:path';
import { runBundle, useCommandV8Flags } from './codeCache';

useCommandV8Flags();
runBundle(join(__dirname, 'cliMain.js'), process.argv[2]);
