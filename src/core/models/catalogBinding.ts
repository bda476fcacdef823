import { readFileSync } from 'node:fs';
import { ProjectConfigError } from './errors';
import { applyCatalogOverride, databaseNameOf, isDuckLakeAttach, type AttachSpec, type DuckDBProfile } from './profile';
import type { CatalogOverride } from './types';

/** The alias the pulled catalog gets when the profile has no DuckLake attach of its own. */
export const INJECTED_CATALOG_ALIAS = 'lake';

export interface BoundProfile {
  profile: DuckDBProfile;
  /** Said once in the run's log when the product attached the catalog itself. */
  note?: string;
}

/**
 * Points a profile at the lakehouse: its DuckLake attach replaced by the pulled
 * catalog (DATA_PATH the mirror), or, when it has none, the catalog attached as
 * `lake` and made the target database. A profile that attaches a DuckLake
 * catalog but sends models elsewhere (`database:` missing or another one) is
 * refused: publishing would upload a catalog the run never wrote to.
 */
export function bindProfileToCatalog(profile: DuckDBProfile, override: CatalogOverride | undefined): BoundProfile {
  if (!override) return { profile };
  const lakes = profile.attach.filter((a) =>
    override.alias ? (a.alias ?? databaseNameOf(a.path)) === override.alias : isDuckLakeAttach(a),
  );
  if (lakes.length === 0 && !override.alias) {
    const alias = databaseNameOf(profile.path) === INJECTED_CATALOG_ALIAS ? 'lakehouse' : INJECTED_CATALOG_ALIAS;
    const injected: AttachSpec = {
      path: override.attachPath ?? `ducklake:sqlite:${override.catalogPath}`,
      alias,
      readOnly: false,
      options: { data_path: override.dataPath, override_data_path: true, ...override.attachOptions },
    };
    return {
      profile: { ...profile, attach: [...profile.attach, injected], database: alias },
      note: `The profile has no DuckLake attach: the lakehouse catalog is attached as '${alias}' and models are built there (target database '${alias}' instead of '${profile.database}').`,
    };
  }
  const attach = applyCatalogOverride(profile.attach, override, profile.file);
  const lake = attach.find((a, i) => a !== profile.attach[i])!;
  const alias = lake.alias ?? databaseNameOf(lake.path);
  if (profile.database !== alias) {
    throw new ProjectConfigError(
      `Target '${profile.targetName}' attaches the DuckLake catalog as '${alias}' but builds models in database '${profile.database}', outside the lakehouse: they would never be published.`,
      { file: profile.file, line: lineOfTarget(profile) },
      `Add \`database: ${alias}\` to the '${profile.targetName}' output, or remove its DuckLake attach and let Lakehouse Dev attach the catalog itself.`,
    );
  }
  return { profile: { ...profile, attach } };
}

/** Line of `<target>:` under the profile in profiles.yml (1 when it cannot be told). */
export function lineOfTarget(profile: DuckDBProfile): number {
  try {
    const lines = readFileSync(profile.file, 'utf8').split('\n');
    const start = lines.findIndex((l) => l.trimEnd() === `${profile.profileName}:`);
    const at = lines.findIndex(
      (l, i) => i > start && start >= 0 && /^\s+/.test(l) && l.trim() === `${profile.targetName}:`,
    );
    return at >= 0 ? at + 1 : start >= 0 ? start + 1 : 1;
  } catch {
    return 1;
  }
}
