import { isMap, isSeq, parseDocument, YAMLMap, YAMLSeq } from 'yaml';
import { ConfigError } from '../errors';

export interface NewLakehouseEntry {
  name: string;
  location: string;
  catalog?: string;
  /** A comment written above the entry (e.g. the workspace and lakehouse display names). */
  comment?: string;
}

/**
 * Adds an entry to the text of a lakehouse.yml, keeping everything else
 * (comments, order, other keys) as the user wrote it: the `yaml` Document
 * API edits the parsed tree, not the text.
 */
export function addLakehouseEntry(text: string, entry: NewLakehouseEntry): string {
  const doc = parseDocument<YAMLMap | YAMLSeq, false>(text || '');
  if (doc.errors.length > 0) throw new ConfigError(`lakehouse.yml is not valid YAML: ${doc.errors[0]!.message}`);
  if (doc.contents === null || doc.contents === undefined) doc.contents = new YAMLMap();
  if (!isMap(doc.contents)) throw new ConfigError('lakehouse.yml must be a mapping with a `lakehouses:` list.');
  let list = doc.get('lakehouses', true);
  if (list === undefined || list === null) {
    list = new YAMLSeq();
    doc.set('lakehouses', list);
  }
  if (!isSeq(list)) throw new ConfigError("lakehouse.yml: 'lakehouses' must be a list.");
  for (const item of list.items) {
    if (isMap(item) && item.get('name') === entry.name)
      throw new ConfigError(`lakehouse.yml already has a lakehouse named '${entry.name}'.`, 'Choose another name.');
  }
  const value: Record<string, string> = { name: entry.name, location: entry.location };
  if (entry.catalog) value.catalog = entry.catalog;
  const node = doc.createNode(value) as YAMLMap;
  if (entry.comment) node.commentBefore = ` ${entry.comment.replace(/\n/g, ' ')}`;
  list.items.push(node);
  return doc.toString();
}

/** Removes the entry named `name`; the rest of the file stays as written. */
export function removeLakehouseEntry(text: string, name: string): string {
  const doc = parseDocument(text);
  const list = doc.get('lakehouses', true);
  if (!isSeq(list)) throw new ConfigError(`lakehouse.yml has no lakehouse named '${name}'.`);
  const index = list.items.findIndex((item) => isMap(item) && item.get('name') === name);
  if (index < 0) throw new ConfigError(`lakehouse.yml has no lakehouse named '${name}'.`);
  list.items.splice(index, 1);
  return doc.toString();
}

/** A name for lakehouse.yml from a display name: letters, digits, '.', '_' and '-', at most 64. */
export function entryNameFrom(displayName: string, taken: ReadonlySet<string>): string {
  const base =
    displayName
      .replace(/\.Lakehouse$/i, '')
      .replace(/[^\w.-]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 60) || 'lakehouse';
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  return name;
}

/**
 * Points entry `name` at another catalog: a PostgreSQL catalog named by its connection
 * variable, or (undefined) back to the SQLite file at its default path. The rest stays as written.
 */
export function setEntryCatalog(text: string, name: string, postgresConnectionEnv: string | undefined): string {
  const doc = parseDocument(text);
  const list = doc.get('lakehouses', true);
  const entry = isSeq(list) ? list.items.find((item) => isMap(item) && item.get('name') === name) : undefined;
  if (!isMap(entry)) throw new ConfigError(`lakehouse.yml has no lakehouse named '${name}'.`);
  if (postgresConnectionEnv === undefined) entry.delete('catalog');
  else entry.set('catalog', doc.createNode({ type: 'postgres', connection_env: postgresConnectionEnv }));
  return doc.toString();
}
