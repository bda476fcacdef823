import { resolve } from 'node:path';
import { bindProfileToCatalog } from '../catalogBinding';
import { ProjectConfigError } from '../errors';
import { createJinjaEnvironment } from '../jinja/environment';
import { isDuckLakeAttach, loadProfile, localCatalogFile, targetInfo, type DuckDBProfile } from '../profile';
import { loadProject } from '../project';
import type { CatalogOverride } from '../types';

/**
 * dbt reads profiles.yml itself, so the product cannot attach the lakehouse
 * catalog for it: the profile must, through LAKEHOUSE_CATALOG_PATH (set for
 * the dbt process). Checked before dbt starts, with those variables set, so a
 * profile that would write elsewhere (a local .duckdb, its own DuckLake) is
 * refused instead of leaving the lakehouse untouched with exit 0.
 */
export function checkDbtProfileWritesCatalog(options: {
  projectDir: string;
  target?: string;
  vars?: Record<string, unknown>;
  env: Readonly<Record<string, string | undefined>>;
  override: CatalogOverride;
}): void {
  const env = {
    ...options.env,
    LAKEHOUSE_CATALOG_PATH: options.override.catalogPath,
    LAKEHOUSE_DATA_PATH: options.override.dataPath,
  };
  const jinja = createJinjaEnvironment();
  const cliVars = options.vars ?? {};
  const read = (profileName: string) =>
    loadProfile({
      projectDir: options.projectDir,
      profileName,
      env,
      vars: cliVars,
      jinja,
      ...(options.target ? { target: options.target } : {}),
    });
  let profile: DuckDBProfile | undefined;
  const project = loadProject(options.projectDir, {
    env,
    cliVars,
    jinja,
    resolveTarget: (name) => targetInfo((profile = read(name))),
  });
  profile ??= read(project.profile);
  const lakes = profile.attach.filter(isDuckLakeAttach);
  const reads = lakes.find((a) => localCatalogFile(a, options.projectDir) === resolve(options.override.catalogPath));
  if (!reads) {
    throw new ProjectConfigError(
      `Target '${profile.targetName}' does not attach the lakehouse catalog, so dbt would build the models ${
        lakes.length ? 'into its own DuckLake catalog' : `in '${profile.database}'`
      } and the lakehouse would stay as it was.`,
      { file: profile.file, line: 1 },
      "With --runner dbt the profile attaches the catalog itself: path: \"ducklake:sqlite:{{ env_var('LAKEHOUSE_CATALOG_PATH', 'lake/metadata.db') }}\" with data_path from LAKEHOUSE_DATA_PATH and override_data_path: true, and database: set to its alias (see docs/RUNNER.md). The built-in runner needs none of this.",
    );
  }
  // The attach is right; its alias must also be where models go.
  bindProfileToCatalog({ ...profile, attach: [reads] }, options.override);
}
