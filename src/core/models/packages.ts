import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ModelCompileError, ProjectConfigError, DBT_RUNNER_HINT } from './errors';
import { asRecord, readYamlFile } from './yaml-values';
import type { YamlCache } from './parse-cache';

/** An installed dbt package: where it is and the dbt_project.yml it ships. */
export interface PackageLocation {
  name: string;
  root: string;
  /** Its dbt_project.yml, parsed (not rendered). */
  project: Record<string, unknown>;
}

/**
 * The packages a project uses, as `dbt deps` leaves them: every folder of
 * `dbt_packages/` holding a dbt_project.yml, and `local:` entries of
 * packages.yml / dependencies.yml read in place. A package listed but not
 * installed is an error that says to run `dbt deps`.
 */
export function findPackages(root: string, parseCache?: YamlCache): PackageLocation[] {
  const found = new Map<string, PackageLocation>();
  const add = (dir: string, file: string) => {
    const projectFile = join(dir, 'dbt_project.yml');
    if (!existsSync(projectFile)) {
      throw new ProjectConfigError(`The package at ${dir} has no dbt_project.yml.`, { file, line: 1 });
    }
    const project = asRecord(readYamlFile(projectFile, parseCache));
    const name = typeof project.name === 'string' ? project.name : undefined;
    if (!name)
      throw new ProjectConfigError("A package's dbt_project.yml has no 'name'.", { file: projectFile, line: 1 });
    if (!found.has(name)) found.set(name, { name, root: dir, project });
  };
  let listed = 0;
  for (const fileName of ['packages.yml', 'dependencies.yml']) {
    const file = join(root, fileName);
    if (!existsSync(file)) continue;
    const packages = asRecord(readYamlFile(file, parseCache)).packages;
    if (!Array.isArray(packages)) continue;
    for (const entry of packages.map(asRecord)) {
      if (typeof entry.local === 'string') add(resolve(root, entry.local), file);
      else listed++;
    }
    const installed = join(root, 'dbt_packages');
    if (listed > 0 && !existsSync(installed)) {
      const first = asRecord(packages.find((p) => asRecord(p).local === undefined));
      throw new ModelCompileError(
        `${fileName} lists ${String(first.package ?? first.git ?? first.tarball ?? 'a package')}, which is not installed (no dbt_packages/ folder).`,
        { file, line: 1 },
        `Run 'dbt deps' to install it. ${DBT_RUNNER_HINT}`,
      );
    }
  }
  const installed = join(root, 'dbt_packages');
  if (existsSync(installed)) {
    for (const entry of readdirSync(installed).sort()) {
      const dir = join(installed, entry);
      if (!entry.startsWith('.') && statSync(dir).isDirectory() && existsSync(join(dir, 'dbt_project.yml'))) {
        add(dir, join(dir, 'dbt_project.yml'));
      }
    }
  }
  return [...found.values()];
}

/** The project's `dispatch:` search orders: macro_namespace → packages to search, in order. */
export function dispatchOrders(value: unknown, file: string): Map<string, string[]> {
  const orders = new Map<string, string[]>();
  if (value === undefined || value === null) return orders;
  if (!Array.isArray(value)) throw new ProjectConfigError("'dispatch:' must be a list.", { file, line: 1 });
  for (const entry of value.map(asRecord)) {
    if (typeof entry.macro_namespace !== 'string' || !Array.isArray(entry.search_order)) {
      throw new ProjectConfigError("Each 'dispatch:' entry needs a macro_namespace and a search_order list.", {
        file,
        line: 1,
      });
    }
    orders.set(entry.macro_namespace, entry.search_order.map(String));
  }
  return orders;
}
