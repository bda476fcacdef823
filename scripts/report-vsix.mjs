#!/usr/bin/env node
// Reports what the VSIX weighs and checks it carries the DuckDB native binding,
// which cannot be bundled and must ship beside dist/extension.js.
import { statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const vsix = process.argv[2] ?? 'dist/lakehouse-dev.vsix';
const size = statSync(vsix).size;
const listing = execFileSync(
  'python3',
  ['-c', 'import sys,zipfile; [print(i.file_size, i.filename) for i in zipfile.ZipFile(sys.argv[1]).infolist()]', vsix],
  { encoding: 'utf8' },
);
const entries = listing
  .trim()
  .split('\n')
  .map((line) => {
    const [bytes, ...name] = line.split(' ');
    return { bytes: Number(bytes), name: name.join(' ') };
  });
const binding = entries.find((e) => /node-bindings-linux-x64\/duckdb\.node$/.test(e.name));
const mib = (n) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
console.log(
  `${vsix}: ${mib(size)} compressed, ${entries.length} files, ${mib(entries.reduce((s, e) => s + e.bytes, 0))} unpacked`,
);
if (!binding) {
  console.error('The VSIX has no @duckdb/node-bindings-linux-x64/duckdb.node: the extension could not load DuckDB.');
  process.exit(1);
}
console.log(`  DuckDB native binding: ${binding.name} (${mib(binding.bytes)})`);
