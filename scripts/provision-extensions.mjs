#!/usr/bin/env node
// Lays out DuckDB extension binaries for offline machines (CI here cannot reach
// DuckDB's extension host). The same binaries are published on PyPI as
// `duckdb-extension-<name>==<duckdb version>`; we fetch them with pip and unpack
// them into DuckDB's own layout: <dir>/v<version>/<platform>/<name>.duckdb_extension.
// On a normal machine DuckDB installs extensions itself and this is not needed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, copyFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';

const DUCKDB_VERSION = '1.5.5';
const EXTENSIONS = [
  'ducklake',
  'sqlite_scanner',
  'delta',
  'tpch',
  'tpcds',
  'azure',
  'avro',
  'iceberg',
  'postgres_scanner',
];
const PLATFORMS = {
  'linux-x64': 'linux_amd64',
  'linux-arm64': 'linux_arm64',
  'darwin-arm64': 'osx_arm64',
  'darwin-x64': 'osx_amd64',
  'win32-x64': 'windows_amd64',
};

const root = resolve(process.env.LAKEHOUSE_DUCKDB_EXTENSIONS ?? join(import.meta.dirname, '..', '.duckdb-extensions'));
const platform = PLATFORMS[`${process.platform}-${process.arch}`];
if (!platform) {
  console.error(`provision-extensions: no DuckDB extension wheels are known for ${process.platform}-${process.arch}.`);
  process.exit(1);
}
const target = join(root, `v${DUCKDB_VERSION}`, platform);
mkdirSync(target, { recursive: true });

const missing = EXTENSIONS.filter((name) => !existsSync(join(target, `${name}.duckdb_extension`)));
if (missing.length === 0) {
  console.log(`DuckDB extensions ready in ${target}`);
  process.exit(0);
}

const python = process.env.PYTHON ?? (process.platform === 'win32' ? 'python' : 'python3');
const work = mkdtempSync(join(tmpdir(), 'lakehouse-ext-'));
try {
  for (const name of missing) {
    const wheel = `duckdb-extension-${name.replace(/_/g, '-')}==${DUCKDB_VERSION}`;
    console.log(`fetching ${wheel} from PyPI…`);
    execFileSync(
      python,
      ['-m', 'pip', 'download', '--no-deps', '--quiet', '--disable-pip-version-check', '-d', work, wheel],
      { stdio: 'inherit' },
    );
    const file = readdirSync(work).find((f) => f.startsWith(`duckdb_extension_${name}-`) && f.endsWith('.whl'));
    if (!file) throw new Error(`pip did not leave a wheel for ${wheel} in ${work}`);
    const unpacked = join(work, name);
    // A wheel is a zip; Python's zipfile CLI unpacks it without any other tool.
    execFileSync(python, ['-m', 'zipfile', '-e', join(work, file), unpacked]);
    const binary = join(
      unpacked,
      `duckdb_extension_${name}`,
      'extensions',
      `v${DUCKDB_VERSION}`,
      `${name}.duckdb_extension`,
    );
    if (!existsSync(binary)) throw new Error(`${file} has no ${name}.duckdb_extension for v${DUCKDB_VERSION}`);
    copyFileSync(binary, join(target, `${name}.duckdb_extension`));
    console.log(`  ${name} -> ${target}`);
  }
} catch (error) {
  console.error(`provision-extensions: ${error instanceof Error ? error.message : error}`);
  console.error(
    'Needs python3 with pip and access to PyPI. Alternatively let DuckDB install extensions itself (online).',
  );
  process.exit(1);
} finally {
  rmSync(work, { recursive: true, force: true });
}
