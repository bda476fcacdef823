import { resolve } from 'node:path';
import { bindProfileToCatalog, lineOfTarget } from './catalogBinding';
import { ProjectConfigError } from './errors';
import { createJinjaEnvironment } from './jinja/environment';
import { isDuckLakeAttach, loadProfile, localCatalogFile, targetInfo, type DuckDBProfile } from './profile';
import { loadProject } from './project';
import type { CatalogOverride } from './types';

/**
 * Checked before anything is leased, created or pulled: will the run build its
 * models into the lakehouse catalog? The built-in runner attaches the catalog
 * itself when the profile has none (bindProfileToCatalog), so only an attach
 * outside the target database is refused. dbt reads profiles.yml itself, so
 * for `--runner dbt` the profile must attach the catalog through
 * LAKEHOUSE_CATALOG_PATH (set for the dbt process, and here while rendering).
 */
export function checkProfileBuildsIntoCatalog(options: {
  runner: 'builtin' | 'dbt';
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
  if (options.runner === 'builtin') {
    bindProfileToCatalog(profile, options.override);
    return;
  }
  const lakes = profile.attach.filter(isDuckLakeAttach);
  const reads = lakes.find((a) => localCatalogFile(a, options.projectDir) === resolve(options.override.catalogPath));
  if (!reads) {
    throw new ProjectConfigError(
      `Target '${profile.targetName}' does not attach the lakehouse catalog, so dbt would build the models ${
        lakes.length ? 'into its own DuckLake catalog' : `in '${profile.database}'`
      } and the lakehouse would stay as it was.`,
      { file: profile.file, line: lineOfTarget(profile) },
      "With --runner dbt the profile attaches the catalog itself: path: \"ducklake:sqlite:{{ env_var('LAKEHOUSE_CATALOG_PATH', 'lake/metadata.db') }}\" with data_path from LAKEHOUSE_DATA_PATH and override_data_path: true, and database: set to its alias (see docs/RUNNER.md). The built-in runner needs none of this.",
    );
  }
  // The attach is right; its alias must also be where models go.
  bindProfileToCatalog({ ...profile, attach: [reads] }, options.override);
}
