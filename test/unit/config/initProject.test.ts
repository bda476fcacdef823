import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { initProject } from '../../../src/core/config/initProject';
import { parseLakehouseFile } from '../../../src/core/config/lakehouseConfig';

const LOCATION = 'azurite://127.0.0.1:10000/ws/sales.Lakehouse';

function project(profiles?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-init-'));
  writeFileSync(join(dir, 'dbt_project.yml'), 'name: sales\nprofile: sales\n');
  if (profiles !== undefined) writeFileSync(join(dir, 'profiles.yml'), profiles);
  return dir;
}

describe('lakehouse init', () => {
  it('writes a lakehouse.yml that reads back as the lakehouse asked for, named after the item', () => {
    const dir = project('sales:\n  outputs: {}\n');
    const result = initProject({ cwd: dir, location: LOCATION, env: {} });
    const [entry] = parseLakehouseFile(readFileSync(join(dir, 'lakehouse.yml'), 'utf8'), 'lakehouse.yml');
    expect(entry).toMatchObject({ name: 'sales', catalogPath: 'Files/metadata.db', project: undefined });
    expect(entry!.location.container).toBe('ws');
    expect(result.kept.map((k) => k.file)).toEqual([join(dir, 'profiles.yml')]);
  });

  it('adds the profile to an existing profiles.yml, keeping the other profiles and the comments', () => {
    const dir = project('# my profiles\nother:\n  target: dev # keep me\n  outputs: {}\n');
    const result = initProject({ cwd: dir, location: LOCATION, env: {} });
    const text = readFileSync(join(dir, 'profiles.yml'), 'utf8');
    expect(text).toContain('# my profiles');
    expect(text).toContain('# keep me');
    const doc = parse(text) as Record<string, { outputs: Record<string, Record<string, unknown>> }>;
    expect(Object.keys(doc)).toEqual(['other', 'sales']);
    expect(doc.sales!.outputs.dev).toMatchObject({ type: 'duckdb', database: 'lake' });
    expect(result.written.map((w) => w.what)).toContain("profile 'sales' added (DuckLake catalog 'lake')");
  });

  it('refuses a second time without force, and names the project folder when it is not the current one', () => {
    const dir = project();
    const cwd = mkdtempSync(join(tmpdir(), 'lakehouse-init-cwd-'));
    initProject({ cwd, location: LOCATION, project: dir, env: {} });
    expect(() => initProject({ cwd, location: LOCATION, project: dir, env: {} })).toThrow(
      /lakehouse\.yml already exists; nothing was written/,
    );
    initProject({ cwd, location: LOCATION, project: dir, name: 'again', force: true, env: {} });
    const [entry] = parseLakehouseFile(readFileSync(join(cwd, 'lakehouse.yml'), 'utf8'), 'lakehouse.yml');
    expect(entry!.name).toBe('again');
    expect(join(cwd, entry!.project!)).toBe(dir);
  });

  it('refuses a folder without dbt_project.yml and a location carrying a credential, writing nothing', () => {
    const empty = mkdtempSync(join(tmpdir(), 'lakehouse-init-empty-'));
    expect(() => initProject({ cwd: empty, location: LOCATION, env: {} })).toThrow(/No dbt_project\.yml/);
    const dir = project();
    expect(() =>
      initProject({ cwd: dir, location: 'abfss://ws@onelake.dfs.fabric.microsoft.com/x.Lakehouse?sig=abc', env: {} }),
    ).toThrow(/credentials are never read from a location/);
    expect(() => readFileSync(join(dir, 'lakehouse.yml'))).toThrow();
  });
});
