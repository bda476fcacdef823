import { bindProfileToCatalog } from './catalogBinding';
import { createJinjaEnvironment } from './jinja/environment';
import { buildManifest, type Manifest, type ManifestInputs } from './manifest';
import { loadProfile, targetInfo, type DuckDBProfile } from './profile';
import { ParseCache, parseCachePath } from './parse-cache';
import { loadProject, type DbtProject, type ProjectHead } from './project';
import type { ProjectRunOptions } from './types';

export interface ParsedRun {
  profile: DuckDBProfile;
  project: DbtProject;
  manifestInputs: ManifestInputs;
  manifest: Manifest;
  /** What binding the profile to the lakehouse catalog changed, for the run's log. */
  bindingNote?: string;
  /** Parsed YAML and compiled templates of this parse, saved when the run ends (parse-cache.ts). */
  parseCache: ParseCache;
}

/**
 * The profile, project and manifest of a run, as the runner parses them (also
 * read before a pull, to know which tables the selected models read).
 * `onHead` sees the profile and what dbt_project.yml says before the project's
 * files are read and the manifest — most of the parse — is built (the runner
 * may start DuckDB then).
 */
export async function parseRun(
  options: ProjectRunOptions & { profilesDir?: string },
  invocationId: string,
  started: number,
  onHead?: (profile: DuckDBProfile, head: ProjectHead) => void,
): Promise<ParsedRun> {
  const env = options.env ?? process.env;
  const parseCache = ParseCache.open(parseCachePath(options.projectDir));
  const jinja = createJinjaEnvironment({ templateCode: parseCache });
  const cliVars = options.vars ?? {};
  let bindingNote: string | undefined;
  const readProfile = (profileName: string) => {
    const bound = bindProfileToCatalog(
      loadProfile({
        projectDir: options.projectDir,
        profileName,
        env,
        vars: cliVars,
        jinja,
        parseCache,
        ...(options.profilesDir ? { profilesDir: options.profilesDir } : {}),
        ...(options.target ? { target: options.target } : {}),
      }),
      options.catalogOverride,
    );
    bindingNote = bound.note;
    return bound.profile;
  };
  // dbt_project.yml is rendered with `target` (e.g. `+enabled: "{{ target.type == 'duckdb' }}"`).
  let loaded: DuckDBProfile | undefined;
  const project = loadProject(options.projectDir, {
    env,
    cliVars,
    jinja,
    parseCache,
    resolveTarget: (profileName) => targetInfo((loaded = readProfile(profileName))),
    // The profile is read by then: dbt_project.yml is rendered with its target.
    onHead: (head: ProjectHead) => (loaded ? onHead?.(loaded, head) : undefined),
  });
  const profile = loaded ?? readProfile(project.profile);
  const manifestInputs: ManifestInputs = {
    project,
    target: targetInfo(profile),
    jinja,
    vars: { ...project.vars, ...cliVars },
    env,
    invocationId,
    runStartedAt: new Date(started),
    fullRefresh: options.fullRefresh ?? false,
  };
  const manifest = await buildManifest(manifestInputs);
  return { profile, project, manifestInputs, manifest, parseCache, ...(bindingNote ? { bindingNote } : {}) };
}
