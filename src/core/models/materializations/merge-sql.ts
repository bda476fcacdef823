import { ModelCompileError, type SourceLocation } from '../errors';
import { isDict, pyStr } from '../jinja/py-values';
import { quoteName } from '../relation';

/**
 * The MERGE statement of dbt-duckdb 1.10's `merge` strategy, built from the
 * same configs with the same rules: `merge_clauses` (when_matched /
 * when_not_matched lists of actions), or the basic configs
 * (`merge_update_columns`, `merge_exclude_columns`,
 * `merge_update_set_expressions`, `merge_update_condition`,
 * `merge_insert_condition`), `merge_on_using_columns`,
 * `merge_returning_columns`, and `incremental_predicates` in the ON clause.
 * Invalid configs fail as dbt-duckdb's validation does, before any SQL runs.
 */
export interface MergeInput {
  target: string;
  temp: string;
  uniqueKey: unknown;
  /** The destination columns, unquoted (dbt's `dest_columns`). */
  destColumns: string[];
  predicates: string[];
  config: Record<string, unknown>;
  /** The target lives in a DuckLake catalog (one UPDATE/DELETE per WHEN MATCHED list). */
  ducklake: boolean;
  location: SourceLocation | undefined;
}

type Clause = Record<string, unknown>;

export function mergeSql(input: MergeInput): string {
  validateMergeConfig(input);
  const { config } = input;
  const updateColumns = listOr(config.merge_update_columns);
  const excludeColumns = listOr(config.merge_exclude_columns);
  const setExpressions = isDict(config.merge_update_set_expressions) ? config.merge_update_set_expressions : {};
  const updateCondition = config.merge_update_condition ?? null;
  const insertCondition = config.merge_insert_condition ?? null;
  const explicit = updateColumns.length > 0 || excludeColumns.length > 0 || Object.keys(setExpressions).length > 0;
  const clauses = isDict(config.merge_clauses) ? config.merge_clauses : {};
  const whenMatched = (
    'when_matched' in clauses
      ? clauses.when_matched
      : [
          explicit
            ? {
                action: 'update',
                condition: updateCondition,
                mode: 'explicit',
                update: { include: updateColumns, exclude: excludeColumns, set_expressions: setExpressions },
              }
            : { action: 'update', condition: updateCondition, mode: 'by_name' },
        ]
  ) as Clause[];
  const whenNotMatched = (
    'when_not_matched' in clauses
      ? clauses.when_not_matched
      : [{ action: 'insert', condition: insertCondition, mode: 'by_name' }]
  ) as Clause[];

  const lines = [
    `MERGE INTO ${input.target} AS DBT_INTERNAL_DEST`,
    `USING ${input.temp} AS DBT_INTERNAL_SOURCE`,
    joinClause(input),
  ];
  for (const clause of whenMatched) lines.push(`WHEN MATCHED${condition(clause)} THEN ${matchedAction(clause, input)}`);
  for (const clause of whenNotMatched) {
    const by = truthy(clause.by) ? ` BY ${pyStr(clause.by).toUpperCase()}` : '';
    lines.push(`WHEN NOT MATCHED${by}${condition(clause)} THEN ${notMatchedAction(clause)}`);
  }
  const returning = config.merge_returning_columns;
  if (truthy(returning)) {
    lines.push(`RETURNING ${typeof returning === 'string' ? returning : listOr(returning).join(', ')}`);
  }
  return lines.join('\n');
}

function joinClause(input: MergeInput): string {
  const using = listOr(input.config.merge_on_using_columns);
  if (using.length > 0) {
    const on = input.predicates.length > 0 ? ` ON (${input.predicates.join(') AND (')})` : '';
    return `USING (${using.join(', ')})${on}`;
  }
  const keys = keyList(input.uniqueKey);
  const join = keys.length > 0 ? keys.map((k) => `DBT_INTERNAL_SOURCE.${k} = DBT_INTERNAL_DEST.${k}`) : ['FALSE'];
  return `ON (${[...join, ...input.predicates].join(') AND (')})`;
}

function condition(clause: Clause): string {
  const value = clause.condition;
  if (!truthy(value)) return '';
  return typeof value === 'string' ? ` AND ${value}` : ` AND (${listOr(value).join(') AND (')})`;
}

function matchedAction(clause: Clause, input: MergeInput): string {
  switch (clause.action) {
    case 'update':
      return updateAction(clause, input);
    case 'delete':
      return 'DELETE';
    case 'do_nothing':
      return 'DO NOTHING';
    case 'error':
      return errorAction(clause);
    default:
      return '';
  }
}

function updateAction(clause: Clause, input: MergeInput): string {
  switch (clause.mode) {
    case 'by_name':
      return 'UPDATE BY NAME';
    case 'by_position':
      return 'UPDATE BY POSITION';
    case 'star':
      return 'UPDATE SET *';
    case 'explicit': {
      const update = isDict(clause.update) ? clause.update : {};
      const setExpressions = isDict(update.set_expressions) ? update.set_expressions : {};
      const columns = mergeUpdateColumns(listOr(update.include), listOr(update.exclude), input).filter(
        (c) => !(c.replace(/["']/g, '') in setExpressions),
      );
      const sets = [
        ...Object.entries(setExpressions).map(([column, expression]) => `${column} = ${pyStr(expression)}`),
        ...columns.map((c) => `${c} = DBT_INTERNAL_SOURCE.${c}`),
      ];
      return `UPDATE SET ${sets.join(', ')}`;
    }
    default:
      return '';
  }
}

/** dbt's get_merge_update_columns: the include list as written, else the (quoted) destination columns minus the excluded. */
function mergeUpdateColumns(include: string[], exclude: string[], input: MergeInput): string[] {
  if (include.length > 0 && exclude.length > 0) {
    throw new ModelCompileError(
      'Model cannot specify merge_update_columns and merge_exclude_columns. Please update model to use only one config',
      input.location,
    );
  }
  if (include.length > 0) return include;
  const excluded = exclude.map((c) => c.toLowerCase());
  return input.destColumns.filter((c) => !excluded.includes(c.toLowerCase())).map(quoteName);
}

function notMatchedAction(clause: Clause): string {
  switch (clause.action) {
    case 'update': {
      const sets = isDict(clause.set_expressions) ? clause.set_expressions : {};
      return `UPDATE SET ${Object.entries(sets)
        .map(([column, expression]) => `${column} = ${pyStr(expression)}`)
        .join(', ')}`;
    }
    case 'insert':
      switch (clause.mode) {
        case 'by_name':
          return 'INSERT BY NAME';
        case 'by_position':
          return 'INSERT BY POSITION';
        case 'star':
          return 'INSERT *';
        case 'explicit': {
          const insert = isDict(clause.insert) ? clause.insert : {};
          return `INSERT (${listOr(insert.columns).join(', ')}) VALUES (${listOr(insert.values).join(', ')})`;
        }
        default:
          return '';
      }
    case 'delete':
      return 'DELETE';
    case 'do_nothing':
      return 'DO NOTHING';
    case 'error':
      return errorAction(clause);
    default:
      return '';
  }
}

function errorAction(clause: Clause): string {
  return truthy(clause.error_message) ? `ERROR '${pyStr(clause.error_message).replace(/'/g, "''")}'` : 'ERROR';
}

/** dbt-duckdb's validate_merge_config: every problem at once, as one compile error. */
function validateMergeConfig(input: MergeInput): void {
  const { config } = input;
  const errors: string[] = [];
  const fields: Record<string, 'string' | 'sequence' | 'mapping'> = {
    merge_update_condition: 'string',
    merge_insert_condition: 'string',
    merge_on_using_columns: 'sequence',
    merge_update_columns: 'sequence',
    merge_update_set_expressions: 'mapping',
    merge_exclude_columns: 'sequence',
    merge_returning_columns: 'sequence',
  };
  for (const [name, kind] of Object.entries(fields)) {
    const value = config[name];
    if (value === undefined || value === null) continue;
    if (kind === 'string' && typeof value !== 'string') errors.push(`${name} must be a string, found: ${pyStr(value)}`);
    if (kind === 'mapping' && !isDict(value)) errors.push(`${name} must be a dictionary, found: ${pyStr(value)}`);
    if (kind === 'sequence') {
      if (!Array.isArray(value)) errors.push(`${name} must be a list`);
      else
        for (const item of value)
          if (typeof item !== 'string') errors.push(`${name} must contain only string values, found: ${pyStr(item)}`);
    }
  }
  const clauses = config.merge_clauses;
  if (input.ducklake && isDict(clauses) && Array.isArray(clauses.when_matched)) {
    const writes = clauses.when_matched.filter((c) => isDict(c) && (c.action === 'update' || c.action === 'delete'));
    if (writes.length > 1) {
      errors.push(
        `DuckLake MERGE restrictions: when_matched clauses can contain only a single UPDATE or DELETE action. Found ${writes.length} UPDATE/DELETE actions. DuckLake currently supports only one UPDATE or DELETE operation per MERGE statement.`,
      );
    }
  }
  if (clauses !== undefined && clauses !== null) {
    if (!isDict(clauses)) errors.push(`merge_clauses must be a dictionary, found: ${pyStr(clauses)}`);
    else {
      if (!('when_matched' in clauses) && !('when_not_matched' in clauses)) {
        errors.push("merge_clauses must contain at least one of 'when_matched' or 'when_not_matched' keys");
      }
      for (const type of ['when_matched', 'when_not_matched']) {
        if (!(type in clauses)) continue;
        const list = clauses[type];
        if (!Array.isArray(list)) errors.push(`merge_clauses.${type} must be a list`);
        else if (list.length === 0) errors.push(`merge_clauses.${type} must contain at least one element`);
        else
          for (const clause of list)
            if (!isDict(clause))
              errors.push(`merge_clauses.${type} elements must be dictionaries, found: ${pyStr(clause)}`);
      }
      const conflicting = Object.entries(fields)
        .filter(([name]) => name !== 'merge_on_using_columns' && name !== 'merge_returning_columns')
        .filter(([name, kind]) => {
          const value = config[name];
          if (value === undefined || value === null) return false;
          if (kind === 'sequence') return sizeOf(value) > 0;
          if (kind === 'mapping') return isDict(value) && Object.keys(value).length > 0;
          return true;
        })
        .map(([name]) => name);
      if (conflicting.length > 0) {
        errors.push(
          `When merge_clauses is specified, the following basic merge configurations will be ignored and should be removed: ${conflicting.join(', ')}. Define your merge behavior within merge_clauses instead.`,
        );
      }
    }
  }
  if (errors.length > 0) {
    throw new ModelCompileError(`MERGE configuration errors:\n${errors.join('\n')}`, input.location);
  }
}

/** dbt-duckdb's normalize_incremental_predicates: none → [], a string → [it], a list as is; a mapping is an error. */
export function normalizePredicates(value: unknown, location: SourceLocation | undefined): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.map(pyStr);
  throw new ModelCompileError('incremental_predicates must be a list of strings or a string', location);
}

function keyList(value: unknown): string[] {
  if (!truthy(value)) return [];
  return Array.isArray(value) ? value.map(pyStr) : [pyStr(value)];
}

function listOr(value: unknown): string[] {
  return Array.isArray(value) ? value.map(pyStr) : [];
}

function sizeOf(value: unknown): number {
  return Array.isArray(value) || typeof value === 'string' ? value.length : 0;
}

function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '' || value === 0) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isDict(value)) return Object.keys(value).length > 0;
  return true;
}
