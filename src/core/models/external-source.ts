import { ProjectConfigError } from './errors';
import { pyStr } from './jinja/py-values';
import type { SourceTable } from './types';

/**
 * dbt-duckdb's `external_location` sources: `source('s', 't')` renders as a location (a file path,
 * quoted, or a table function call such as `read_csv('data/t.csv', header=true)`) instead of a
 * table name. The location is a template filled from the source's attributes and meta with the
 * source's `formatter` (DuckDBRelation.create_from_source): `newstyle` (Python's str.format_map,
 * the default), `oldstyle` (`%`) or `template` (string.Template). What dbt-duckdb would fail on (a
 * name the source does not have, an unknown formatter) is an error here too, naming the source;
 * a form of the template this module does not read is refused, never guessed.
 */
export interface ExternalLocation {
  template: string;
  formatter: string;
  /** The source's meta and config extras, merged as dbt-duckdb's SourceConfig does. */
  meta: Record<string, unknown>;
}

/** Source-level and table-level `meta` and `config` of one source table, merged in dbt's order. */
export function externalLocationOf(
  source: Record<string, unknown>,
  table: Record<string, unknown>,
): ExternalLocation | undefined {
  const record = (v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  const sourceConfig = record(source.config);
  const tableConfig = record(table.config);
  const meta: Record<string, unknown> = {
    ...record(source.meta),
    ...record(sourceConfig.meta),
    ...record(table.meta),
    ...record(tableConfig.meta),
  };
  // dbt-duckdb reads the config's extra keys too (`config: {external_location: …}`).
  for (const config of [sourceConfig, tableConfig])
    for (const [key, value] of Object.entries(config)) if (!KNOWN_SOURCE_CONFIG.has(key)) meta[key] = value;
  const template = meta.external_location;
  if (template === undefined || template === null) return undefined;
  return { template: String(template), formatter: String(meta.formatter ?? 'newstyle'), meta };
}

const KNOWN_SOURCE_CONFIG = new Set([
  'enabled',
  'event_time',
  'freshness',
  'loaded_at_field',
  'loaded_at_query',
  'meta',
  'tags',
]);

/** The location `source()` renders for `table`, as dbt-duckdb formats and quotes it. */
export function renderExternalLocation(table: SourceTable, location: ExternalLocation, database: string): string {
  const values: Record<string, unknown> = {
    name: table.name,
    identifier: table.identifier,
    schema: table.schema,
    database,
    tags: [],
    ...location.meta,
  };
  const where = { file: table.file, line: 1 };
  const label = `source('${table.sourceName}', '${table.name}')`;
  const lookup = (key: string): string => {
    if (!Object.hasOwn(values, key))
      throw new ProjectConfigError(
        `The external_location of ${label} names '${key}', which the source does not have.`,
        where,
        `Use name, identifier, schema, database or a key of the source's meta.`,
      );
    return pyStr(values[key]);
  };
  const refuse = (what: string): never => {
    throw new ProjectConfigError(
      `The external_location of ${label} uses ${what}, which the built-in runner does not read.`,
      where,
      "Write the location out, or set 'lakehouse.runner' to 'dbt'.",
    );
  };
  let located: string;
  if (location.formatter === 'newstyle') located = formatNewStyle(location.template, lookup, refuse);
  else if (location.formatter === 'oldstyle') located = formatOldStyle(location.template, lookup, refuse);
  else if (location.formatter === 'template') located = formatTemplate(location.template, lookup, refuse);
  else
    throw new ProjectConfigError(
      `Formatter ${location.formatter} not recognized. Must be one of 'newstyle', 'oldstyle', or 'template'.`,
      where,
      `Set the formatter of ${label} to newstyle, oldstyle or template.`,
    );
  // A function call or an already quoted path is used as is; a bare path is quoted.
  return located.includes('(') || located.startsWith("'") ? located : `'${located}'`;
}

type Lookup = (key: string) => string;
type Refuse = (what: string) => never;

/** str.format_map: `{key}` and `{{`/`}}`; attributes, indexes, conversions and format specs are refused. */
function formatNewStyle(template: string, lookup: Lookup, refuse: Refuse): string {
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}|[{}]/g, (match, field: string | undefined) => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    if (field === undefined) return refuse(`a single '${match}'`);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) return refuse(`the field '{${field}}'`);
    return lookup(field);
  });
}

/** `%` with a mapping: `%(key)s` and `%%`; any other conversion is refused. */
function formatOldStyle(template: string, lookup: Lookup, refuse: Refuse): string {
  return template.replace(/%(?:\(([^)]*)\)s|%|.?)/g, (match, key: string | undefined) => {
    if (match === '%%') return '%';
    if (key !== undefined) return lookup(key);
    return refuse(`'${match}'`);
  });
}

/** string.Template.substitute: `$key`, `${key}` and `$$`; a lone `$` is refused. */
function formatTemplate(template: string, lookup: Lookup, refuse: Refuse): string {
  return template.replace(/\$(?:\$|([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\}|)/g, (match, bare, braced) => {
    if (match === '$$') return '$';
    const key = (bare ?? braced) as string | undefined;
    return key === undefined ? refuse(`a '$' that names nothing`) : lookup(key);
  });
}
