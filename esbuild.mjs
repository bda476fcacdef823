// Bundles the extension and the CLI. The DuckDB native binding cannot be bundled:
// it stays external and ships in the VSIX under node_modules/@duckdb.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  external: ['vscode', '@duckdb/node-api', '@duckdb/node-bindings', '@duckdb/node-bindings-*'],
  logLevel: 'info',
  // Some dependencies ship ESM that reads import.meta.url; give the CJS bundle a real one.
  define: { 'import.meta.url': '__lakehouseImportMetaUrl' },
  banner: { js: "const __lakehouseImportMetaUrl = require('url').pathToFileURL(__filename).href;" },
};
const builds = [
  { ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' },
  // The CLI: dist/cli.js is a small loader (src/cli/entry.ts) that runs dist/cliMain.js through V8's code cache.
  // Without whitespace and comments (the linked source map maps it back): 4.2 → 2.7 MB to read in every CLI
  // process, and pure ASCII (comments carried '—', '→'), so V8 holds it as a one-byte string: ~8 ms less CPU per command.
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cliMain.js', minifyWhitespace: true },
  {
    ...common,
    entryPoints: ['src/cli/entry.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
    define: {},
  },
  // The query engine process (DuckDB outside the extension host); forked by the extension and the CLI.
  { ...common, entryPoints: ['src/core/engine/main.ts'], outfile: 'dist/queryEngine.js' },
  // The benchmark's child process (npm run bench); not shipped in the VSIX.
  { ...common, entryPoints: ['bench/runners.ts'], outfile: 'dist/bench/runners.js' },
  { ...common, entryPoints: ['bench/query.ts'], outfile: 'dist/bench/query.js' },
  { ...common, entryPoints: ['bench/iceberg.ts'], outfile: 'dist/bench/iceberg.js' },
  { ...common, entryPoints: ['bench/publish.ts'], outfile: 'dist/bench/publish.js' },
  // The Delta bench's export process: through the CLI's loader (V8 flags, code cache) like `lakehouse`.
  { ...common, entryPoints: ['bench/delta-export.ts'], outfile: 'dist/bench/delta-export-main.js' },
  {
    ...common,
    entryPoints: ['bench/delta-export-entry.ts'],
    outfile: 'dist/bench/delta-export.js',
    define: {},
    banner: {},
  },
  {
    ...common,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    external: [],
    define: {},
    banner: {},
    // The results panel's webview: its own browser bundle (query.js + query.css), the only folder the webview may load.
    entryPoints: ['media/query/main.ts'],
    outfile: 'dist/media/query.js',
  },
];
// Build whatever entry points exist.
const existing = builds.filter((b) => b.entryPoints.every((p) => existsSync(p)));
// SQLite in WASM (core/ducklake/sqliteCatalog.ts) reads the catalog; its .wasm is found next to the bundles.
mkdirSync('dist', { recursive: true });
copyFileSync('node_modules/sql.js/dist/sql-wasm.wasm', 'dist/sql-wasm.wasm');
if (watch) {
  for (const b of existing) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(existing.map((b) => esbuild.build(b)));
}
