import type { Manifest } from './manifest';
import type { ManifestNode, RelationName } from './types';

/**
 * Nodes that read, through `source()`, a relation a seed, model or snapshot of the same run
 * writes, without depending on that writer. Nothing in the project orders the two: this runner
 * runs them in its own order, dbt in another (all ready nodes by DAG depth then unique id, or
 * at once with `threads` > 1), so dbt may run the reader first and fail, or read the old rows.
 * Found running a public project where dbt's first build failed and this runner's succeeded;
 * said once per pair in the run's log, so the difference is never silent.
 */
export function undeclaredOrderNotes(manifest: Manifest, order: readonly ManifestNode[]): string[] {
  const position = new Map(order.map((node, i) => [node.uniqueId, i]));
  const writers = new Map<string, ManifestNode>();
  for (const node of order) {
    if (!node.relation || node.config.materialized === 'ephemeral') continue;
    if (node.resourceType === 'seed' || node.resourceType === 'model' || node.resourceType === 'snapshot')
      writers.set(relationKey(node.relation), node);
  }
  const notes: string[] = [];
  for (const source of manifest.sources.values()) {
    const writer = writers.get(relationKey(source.relation));
    if (!writer) continue;
    const call = `source('${source.table.sourceName}', '${source.table.name}')`;
    const readers = order.filter(
      (reader) =>
        reader !== writer &&
        reader.dependsOn.includes(source.uniqueId) &&
        !manifest.graph.ancestors(reader.uniqueId).has(writer.uniqueId),
    );
    if (readers.length === 0) continue;
    const names = readers.slice(0, 5).map((r) => `'${r.name}'`);
    if (readers.length > 5) names.push(`${readers.length - 5} more`);
    const before = readers.filter((r) => position.get(r.uniqueId)! < position.get(writer.uniqueId)!).length;
    notes.push(
      `${call} is what ${writer.resourceType} '${writer.name}' of this run writes, but ${names.join(', ')} ` +
        `read${readers.length === 1 ? 's' : ''} it without depending on '${writer.name}': nothing in the project ` +
        `orders them. This run runs ${before === 0 ? `'${writer.name}' first` : `${before} of them first`}; dbt ` +
        `runs ready nodes by depth and unique id (or at once with threads > 1), so its result can differ. ` +
        `A model that reads it with ref('${writer.name}') instead is ordered after it.`,
    );
  }
  return notes;
}

function relationKey(relation: RelationName): string {
  return [relation.database, relation.schema, relation.identifier].map((part) => part.toLowerCase()).join('.');
}
