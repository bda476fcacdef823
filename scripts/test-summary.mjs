#!/usr/bin/env node
// Adds up the vitest JSON reports of every tier into one closing line
// ("N passed, N failed, N skipped") that CI logs can be read by.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(import.meta.dirname, '..', 'test-results');
let passed = 0;
let failed = 0;
let skipped = 0;
for (const tier of ['unit', 'integration', 'e2e']) {
  const file = join(dir, `${tier}.json`);
  if (!existsSync(file)) {
    console.log(`${tier}: no report (${file})`);
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  console.log(`${tier}: ${report.numPassedTests} passed, ${report.numFailedTests} failed`);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
