#!/usr/bin/env node
// src/core is shared by the CLI and the extension; it must stay editor-free.
// This runs in `npm run build` so a stray `import * as vscode` fails the build.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..', process.argv[2] ?? 'src/core');
const offenders = [];
const pattern =
  /(?:from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)|import\(\s*['"]vscode['"]\s*\)|import\s+['"]vscode['"])/;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.(ts|mts|cts|js|mjs)$/.test(name)) {
      readFileSync(path, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (pattern.test(line)) offenders.push(`${relative(process.cwd(), path)}:${i + 1}: ${line.trim()}`);
        });
    }
  }
}
walk(root);
if (offenders.length > 0) {
  console.error('src/core must not import vscode (it is shared with the CLI):');
  for (const o of offenders) console.error(`  ${o}`);
  process.exit(1);
}
console.log(`check-core-imports: ${relative(process.cwd(), root) || '.'} is editor-free`);
