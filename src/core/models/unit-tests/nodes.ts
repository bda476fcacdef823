import { dirname, relative, sep } from 'node:path';
import { ProjectConfigError } from '../errors';
import type { SourceNode } from '../manifest';
import type { DbtProject } from '../project';
import type { ManifestNode, UnitTestInstance } from '../types';
import { asStringList } from '../yaml-values';
import type { UnitTestSpec } from './spec';

/**
 * The project's `unit_tests:` as manifest nodes, resolved and checked as dbt's parser does:
 * the model and every input must exist, a seed input may leave its rows to the seed file,
 * an incremental model needs an `is_incremental` override (and a `this` input when true).
 * A unit test of a disabled model is dropped, as in dbt.
 */
export function buildUnitTestNodes(
  project: DbtProject,
  nodes: ReadonlyMap<string, ManifestNode>,
  sources: ReadonlyMap<string, SourceNode>,
  nodeByName: ReadonlyMap<string, string>,
  disabledModels: ReadonlySet<string>,
): ManifestNode[] {
  const out: ManifestNode[] = [];
  const seen = new Map<string, UnitTestSpec>();
  for (const spec of project.unitTests) {
    const fail = (message: string, hint?: string) => new ProjectConfigError(message, spec.location, hint);
    if (spec.config.enabled === false) continue;
    const modelId = nodeByName.get(spec.model);
    const model = modelId ? nodes.get(modelId) : undefined;
    if (!model || model.resourceType !== 'model') {
      if (disabledModels.has(spec.model)) continue;
      throw fail(
        `Unable to find model '${project.name}.${spec.model}' for unit test '${spec.name}' in ${relativeFile(project, spec.location.file)}`,
      );
    }
    const uniqueId = `unit_test.${project.name}.${spec.model}.${spec.name}`;
    if (seen.has(uniqueId)) throw fail(`Unit test '${spec.name}' of ${spec.model} is defined twice.`);
    seen.set(uniqueId, spec);

    // dbt: the model "depends on macro.dbt.is_incremental" when it calls it.
    const callsIsIncremental = /\bis_incremental\s*\(/.test(model.file?.raw ?? '');
    const override = spec.overrides.macros.is_incremental;
    if (callsIsIncremental && typeof override !== 'boolean') {
      throw fail(
        `Boolean override for 'is_incremental' must be provided for unit test '${spec.name}' in model '${model.name}'`,
        'Add `overrides: {macros: {is_incremental: true}}` (or false).',
      );
    }
    if (callsIsIncremental && override === true && !spec.given.some((g) => g.kind === 'this')) {
      throw fail(
        `Unit test '${spec.name}' for incremental model '${model.name}' must have a 'this' input`,
        'Add `- input: this` with the rows the model already holds.',
      );
    }

    const inputs: UnitTestInstance['inputs'] = spec.given.map((given) => {
      const missing = () =>
        fail(`Unit test '${spec.name}' had an input (${given.input}) which was not found in the manifest.`);
      if (given.kind === 'this') {
        return {
          uniqueId: model.uniqueId,
          name: model.name,
          identifier: model.relation!.identifier,
          relation: model.relation!,
        };
      }
      if (given.kind === 'source') {
        const id = `source.${project.name}.${given.args[0]}.${given.args[1]}`;
        const source = sources.get(id);
        if (!source) throw missing();
        return {
          uniqueId: id,
          name: source.table.name,
          identifier: source.relation.identifier,
          relation: source.relation,
        };
      }
      const [pkg, name] = given.args.length === 2 ? given.args : [undefined, given.args[0]!];
      const id = nodeByName.get(name!);
      const target = id ? nodes.get(id) : undefined;
      if (!target || (pkg !== undefined && target.uniqueId.split('.')[1] !== pkg)) throw missing();
      const input: UnitTestInstance['inputs'][number] = {
        uniqueId: target.uniqueId,
        name: target.name,
        identifier: target.relation?.identifier ?? target.name,
      };
      if (target.relation) input.relation = target.relation;
      if (!given.fixture) {
        // A dict input without rows is filled from the seed file, which only a seed has.
        if (target.resourceType !== 'seed' || !target.file) {
          throw fail(
            `Unable to find seed '${pkg ?? project.name}.${name}' for unit tests: ${name} is not a seed, so its input needs rows`,
            `Give ${name} its rows (a model input without rows is an error in dbt too).`,
          );
        }
        input.seedFile = target.file.path;
      }
      return input;
    });

    const tags = asStringList(spec.config.tags);
    out.push({
      uniqueId,
      resourceType: 'unit_test',
      name: spec.name,
      config: { tags, enabled: true, pre_hook: [], post_hook: [], materialized: 'unit', ...spec.config },
      dependsOn: [model.uniqueId],
      fqn: [project.name, ...folderParts(project, spec.location.file), spec.model, spec.name],
      unitTest: { spec, modelId: model.uniqueId, inputs },
    });
  }
  return out;
}

function relativeFile(project: DbtProject, file: string): string {
  return relative(project.root, file).split(sep).join('/');
}

/** Folders of the YAML file under its resource folder, as dbt's unit test fqn has them. */
function folderParts(project: DbtProject, file: string): string[] {
  return relative(project.root, dirname(file)).split(sep).filter(Boolean).slice(1);
}
