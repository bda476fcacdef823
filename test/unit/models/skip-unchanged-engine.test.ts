import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { engineVersion } from '../../../src/core/models/skip-unchanged/memo';
import { lakeFilesOf } from '../../../src/core/models/skip-unchanged/catalog-files';
import type { DuckDBProfile } from '../../../src/core/models/profile';

describe('skip check without DuckDB: what it relies on', () => {
  it("DuckDB's version comes from the pinned @duckdb/node-api package, without loading it", () => {
    const pinned = (
      JSON.parse(readFileSync('node_modules/@duckdb/node-api/package.json', 'utf8')) as { version: string }
    ).version;
    expect(engineVersion()).toBe(pinned);
  });

  const profile = (path: string, attach: DuckDBProfile['attach']): DuckDBProfile => ({
    profileName: 'p',
    targetName: 'dev',
    path,
    database: 'lake',
    schema: 'main',
    threads: 1,
    extensions: [],
    settings: {},
    attach,
    file: '/x/profiles.yml',
  });
  const lake = { path: 'ducklake:sqlite:cat/metadata.db', alias: 'Lake', readOnly: false, options: {} };

  it('reads catalog files only when the session would hold nothing but local SQLite DuckLake catalogs', () => {
    expect(lakeFilesOf(profile(':memory:', [lake]), '/proj')).toEqual(new Map([['lake', '/proj/cat/metadata.db']]));
    // A main database file, another attach, or a catalog elsewhere may hold macros or tables only DuckDB can read.
    expect(lakeFilesOf(profile('dev.duckdb', [lake]), '/proj')).toBeUndefined();
    expect(
      lakeFilesOf(profile(':memory:', [lake, { path: 'other.duckdb', readOnly: false, options: {} }]), '/proj'),
    ).toBeUndefined();
    expect(
      lakeFilesOf(profile(':memory:', [{ ...lake, path: 'ducklake:postgres:dbname=x' }]), '/proj'),
    ).toBeUndefined();
    expect(lakeFilesOf(profile(':memory:', []), '/proj')).toBeUndefined();
  });
});
