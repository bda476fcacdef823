import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProjectConfigError } from '../../../src/core/models/errors';
import { createJinjaEnvironment } from '../../../src/core/models/jinja/environment';
import { applyCatalogOverride, attachStatement, databaseNameOf, loadProfile } from '../../../src/core/models/profile';

const jinja = createJinjaEnvironment();

function profileDir(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'lh-profile-'));
  writeFileSync(join(dir, 'profiles.yml'), yaml);
  return dir;
}

const YAML = `
energy:
  target: "{{ env_var('ENERGY_TARGET', 'dev') }}"
  outputs:
    dev:
      type: duckdb
      path: ':memory:'
      database: lake
      schema: "{{ env_var('SCHEMA_NAME', 'main') }}"
      threads: 1
      extensions: [ducklake, sqlite]
      settings:
        memory_limit: 2GB
      attach:
        - path: "ducklake:sqlite:{{ env_var('LAKEHOUSE_CATALOG_PATH', 'lake/metadata.db') }}"
          alias: lake
          options:
            data_path: "{{ env_var('LAKEHOUSE_DATA_PATH', 'lake/data/') }}"
        - path: reference.duckdb
          read_only: true
    prod:
      type: duckdb
      path: /data/prod.duckdb
`;

describe('profiles.yml (dbt-duckdb shape)', () => {
  it('renders env_var() with defaults and reads the target output', () => {
    const dir = profileDir(YAML);
    const profile = loadProfile({
      projectDir: dir,
      profileName: 'energy',
      env: { SCHEMA_NAME: 'analytics' },
      vars: {},
      jinja,
    });
    expect(profile).toMatchObject({
      targetName: 'dev',
      path: ':memory:',
      database: 'lake',
      schema: 'analytics',
      extensions: ['ducklake', 'sqlite'],
      settings: { memory_limit: '2GB' },
    });
    expect(profile.attach).toEqual([
      {
        path: 'ducklake:sqlite:lake/metadata.db',
        alias: 'lake',
        readOnly: false,
        options: { data_path: 'lake/data/' },
      },
      { path: 'reference.duckdb', readOnly: true, options: {} },
    ]);
  });

  it('picks the target from the environment or the caller, and names the database after the path', () => {
    const dir = profileDir(YAML);
    const prod = loadProfile({
      projectDir: dir,
      profileName: 'energy',
      env: { ENERGY_TARGET: 'prod' },
      vars: {},
      jinja,
    });
    expect(prod).toMatchObject({ targetName: 'prod', database: 'prod', schema: 'main' });
    expect(
      loadProfile({ projectDir: dir, profileName: 'energy', env: {}, vars: {}, jinja, target: 'prod' }).targetName,
    ).toBe('prod');
    expect(databaseNameOf('ducklake:sqlite:/x/metadata.db')).toBe('metadata');
  });

  it('fails with the file named for a missing profile, target or required env var', () => {
    const dir = profileDir(YAML);
    expect(() => loadProfile({ projectDir: dir, profileName: 'nope', env: {}, vars: {}, jinja })).toThrow(
      /Profile 'nope'/,
    );
    expect(() =>
      loadProfile({ projectDir: dir, profileName: 'energy', env: {}, vars: {}, jinja, target: 'qa' }),
    ).toThrow(/Target 'qa'/);
    const strict = profileDir(
      'p:\n  outputs:\n    dev:\n      type: duckdb\n      path: "{{ env_var(\'MUST_HAVE\') }}"\n',
    );
    const error = (() => {
      try {
        loadProfile({ projectDir: strict, profileName: 'p', env: {}, vars: {}, jinja });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ProjectConfigError);
    expect((error as Error).message).toContain("'MUST_HAVE'");
  });

  it('replaces the DuckLake attach with the pulled catalog and the mirror as DATA_PATH (OVERRIDE_DATA_PATH)', () => {
    const dir = profileDir(YAML);
    const profile = loadProfile({ projectDir: dir, profileName: 'energy', env: {}, vars: {}, jinja });
    const attaches = applyCatalogOverride(
      profile.attach,
      { catalogPath: '/pull/metadata.db', dataPath: '/mirror/Tables/' },
      profile.file,
    );
    expect(attachStatement(attaches[0]!, '/proj')).toBe(
      "ATTACH IF NOT EXISTS 'ducklake:sqlite:/pull/metadata.db' AS \"lake\" (DATA_PATH '/mirror/Tables/', OVERRIDE_DATA_PATH)",
    );
    expect(attachStatement(attaches[1]!, '/proj')).toBe("ATTACH IF NOT EXISTS '/proj/reference.duckdb' (READ_ONLY)");
    expect(attachStatement(profile.attach[0]!, '/proj')).toBe(
      "ATTACH IF NOT EXISTS 'ducklake:sqlite:/proj/lake/metadata.db' AS \"lake\" (DATA_PATH '/proj/lake/data/')",
    );
    expect(() =>
      applyCatalogOverride(profile.attach, { alias: 'other', catalogPath: '/c', dataPath: '/d' }, profile.file),
    ).toThrow(/alias 'other'/);
  });
});
