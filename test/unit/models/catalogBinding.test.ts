import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bindProfileToCatalog } from '../../../src/core/models/catalogBinding';
import { ProjectConfigError } from '../../../src/core/models/errors';
import { createJinjaEnvironment } from '../../../src/core/models/jinja/environment';
import { loadProfile } from '../../../src/core/models/profile';

const OVERRIDE = { catalogPath: '/mirror/metadata.db', dataPath: '/mirror/Tables' };

function profile(output: string) {
  const dir = mkdtempSync(join(tmpdir(), 'lh-binding-'));
  writeFileSync(
    join(dir, 'profiles.yml'),
    `shop:\n  target: dev\n  outputs:\n    other:\n      type: duckdb\n    dev:\n      type: duckdb\n${output}`,
  );
  return loadProfile({ projectDir: dir, profileName: 'shop', env: {}, vars: {}, jinja: createJinjaEnvironment() });
}

describe('bindProfileToCatalog', () => {
  it('without a lakehouse leaves the profile as the user wrote it', () => {
    const p = profile('      path: shop.duckdb\n');
    expect(bindProfileToCatalog(p, undefined)).toEqual({ profile: p });
  });

  it('injects the pulled catalog as the target database when the profile has no DuckLake attach', () => {
    const bound = bindProfileToCatalog(profile('      path: shop.duckdb\n'), OVERRIDE);
    expect(bound.profile.database).toBe('lake');
    expect(bound.profile.path).toBe('shop.duckdb');
    expect(bound.profile.attach).toEqual([
      {
        path: 'ducklake:sqlite:/mirror/metadata.db',
        alias: 'lake',
        readOnly: false,
        options: { data_path: '/mirror/Tables', override_data_path: true },
      },
    ]);
    expect(bound.note).toMatch(/attached as 'lake'.*instead of 'shop'/);
  });

  it("picks another alias when the main database is itself called 'lake'", () => {
    const bound = bindProfileToCatalog(profile('      path: lake.duckdb\n'), OVERRIDE);
    expect(bound.profile.database).toBe('lakehouse');
    expect(bound.profile.attach.map((a) => a.alias)).toEqual(['lakehouse']);
  });

  it('points an attach that is the target database at the pulled catalog, keeping the other attaches', () => {
    const bound = bindProfileToCatalog(
      profile(
        "      database: lake\n      attach:\n        - path: 'ducklake:sqlite:local/metadata.db'\n          alias: lake\n        - path: ref.duckdb\n",
      ),
      OVERRIDE,
    );
    expect(bound.note).toBeUndefined();
    expect(bound.profile.attach.map((a) => a.path)).toEqual(['ducklake:sqlite:/mirror/metadata.db', 'ref.duckdb']);
  });

  it('refuses a DuckLake attach when models go elsewhere, at the line of the target', () => {
    const p = profile(
      "      path: shop.duckdb\n      attach:\n        - path: 'ducklake:sqlite:local/metadata.db'\n          alias: lake\n",
    );
    let error: unknown;
    try {
      bindProfileToCatalog(p, OVERRIDE);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProjectConfigError);
    expect((error as ProjectConfigError).location).toEqual({ file: p.file, line: 6 });
    expect((error as Error).message).toMatch(/as 'lake' but builds models in database 'shop', outside the lakehouse/);
  });
});
