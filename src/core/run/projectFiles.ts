import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors';

export interface ModelFile {
  /** Model name: the file name without extension, as dbt names it. */
  name: string;
  /** Absolute path. */
  path: string;
}

/** The dbt project folder for a lakehouse: its `project` (relative to the config's folder), else that folder. */
export function resolveProjectDir(baseDir: string, project: string | undefined): string {
  const dir = resolve(baseDir, project ?? '.');
  if (!existsSync(join(dir, 'dbt_project.yml'))) {
    throw new ConfigError(
      `No dbt_project.yml in ${dir}.`,
      "Open a dbt project folder, or set 'project:' on the lakehouse in lakehouse.yml to the folder that has dbt_project.yml.",
    );
  }
  return dir;
}

/** Model files of a project (model-paths from dbt_project.yml), for pickers and CodeLens; no rendering. */
export function listModelFiles(projectDir: string): ModelFile[] {
  let modelPaths = ['models'];
  try {
    const doc = parseYaml(readFileSync(join(projectDir, 'dbt_project.yml'), 'utf8')) as { 'model-paths'?: unknown };
    if (Array.isArray(doc?.['model-paths']))
      modelPaths = doc['model-paths'].filter((p): p is string => typeof p === 'string');
  } catch {
    // an unreadable project shows no models; running it reports the real error
  }
  const out: ModelFile[] = [];
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.sql')) out.push({ name: basename(name, '.sql'), path: full });
    }
  };
  for (const p of modelPaths) {
    const dir = resolve(projectDir, p);
    if (dir.startsWith(resolve(projectDir) + sep) || dir === resolve(projectDir)) walk(dir);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Whether a file is a model of the project (for CodeLens and editor commands). */
export function isModelFile(projectDir: string, file: string): boolean {
  const rel = relative(projectDir, file);
  return !rel.startsWith('..') && file.endsWith('.sql') && listModelFiles(projectDir).some((m) => m.path === file);
}
