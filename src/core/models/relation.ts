import { isKeywordArgs } from './jinja/python-compat';
import { ATTRIBUTE_MAPPING } from './jinja/py-values';
import type { RelationName } from './types';

export type RelationType = 'table' | 'view' | 'cte' | 'external';

/**
 * What `ref()`, `source()` and `this` return: renders as a fully quoted name
 * (`"lake"."main"."orders"`, as dbt-duckdb does) and exposes dbt's attributes.
 */
export class Relation {
  constructor(
    readonly database: string | undefined,
    readonly schema: string | undefined,
    readonly identifier: string,
    readonly type?: RelationType,
    /** dbt-duckdb's external location (a quoted path or a table function call): rendered instead of the name. */
    readonly external?: string,
  ) {}

  /** dbt's relations are Mappings over their attributes; packages test `r is mapping` and `r.get('metadata')`. */
  readonly [ATTRIBUTE_MAPPING] = true;

  /** What dbt-duckdb's relation reports as its class (dbt_utils' `_is_relation` reads it). */
  get metadata(): { type: string } {
    return { type: 'DuckDBRelation' };
  }

  /** `relation.get('schema', default)`: an attribute, else the default (Mapping.get on FakeAPIObject). */
  get(key: unknown, fallback: unknown = null): unknown {
    if (typeof key !== 'string' || !(key in this) || key in Object.prototype) return fallback;
    const value = (this as unknown as Record<string, unknown>)[key];
    return typeof value === 'function' ? fallback : value;
  }

  static from(name: RelationName, type?: RelationType): Relation {
    return new Relation(name.database, name.schema, name.identifier, type);
  }

  get name(): string {
    return this.identifier;
  }
  get table(): string {
    return this.identifier;
  }
  get is_table(): boolean {
    return this.type === 'table';
  }
  get is_view(): boolean {
    return this.type === 'view';
  }
  get is_cte(): boolean {
    return this.type === 'cte';
  }

  /** `relation.include(database=False)` drops parts from the rendered name. */
  include(...args: unknown[]): Relation {
    const kw = isKeywordArgs(args[args.length - 1]) ? (args[args.length - 1] as Record<string, unknown>) : {};
    return new Relation(
      kw.database === false ? undefined : this.database,
      kw.schema === false ? undefined : this.schema,
      this.identifier,
      this.type,
      this.external,
    );
  }

  /** `relation.incorporate(path={...}, type=...)`: a copy with some parts replaced. */
  incorporate(...args: unknown[]): Relation {
    const kw = isKeywordArgs(args[args.length - 1]) ? (args[args.length - 1] as Record<string, unknown>) : {};
    const path = (kw.path ?? {}) as Record<string, string | undefined>;
    return new Relation(
      path.database ?? this.database,
      path.schema ?? this.schema,
      path.identifier ?? this.identifier,
      (kw.type as RelationType | undefined) ?? this.type,
      this.external,
    );
  }

  render(): string {
    if (this.external !== undefined) return this.external;
    if (this.type === 'cte') return this.identifier;
    return [this.database, this.schema, this.identifier]
      .filter((part): part is string => part !== undefined && part !== '')
      .map(quoteName)
      .join('.');
  }

  toString(): string {
    return this.render();
  }

  toJSON(): string {
    return this.render();
  }
}

export function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

const RENDERED = /^"((?:[^"]|"")*)"\."((?:[^"]|"")*)"\."((?:[^"]|"")*)"$/;

/** The relation a rendered `"db"."schema"."name"` stands for (what `ref()` printed), else undefined. */
export function parseRenderedRelation(text: string): Relation | undefined {
  const m = RENDERED.exec(text.trim());
  if (!m) return undefined;
  const part = (s: string) => s.replace(/""/g, '"');
  return new Relation(part(m[1]!), part(m[2]!), part(m[3]!));
}

export function renderRelationName(name: RelationName): string {
  return new Relation(name.database, name.schema, name.identifier).render();
}
