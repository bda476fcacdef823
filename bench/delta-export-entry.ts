/**
 * The Delta bench's export process (dist/bench/delta-export.js): the same loader as the `lakehouse` command
 * (src/cli/codeCache.ts: its V8 flags, its code cache), running the bench's own bundle
 * (dist/bench/delta-export-main.js, from bench/delta-export.ts), so the bench pays what the CLI pays.
 */
import { join } from 'node:path';
import { runBundle, useCommandV8Flags } from '../src/cli/codeCache';

useCommandV8Flags();
runBundle(join(__dirname, 'delta-export-main.js'), `bench-delta-${process.argv[2] ?? ''}`);
