import type { NodeCompiler } from '../compile';
import { UnsupportedFeatureError } from '../errors';
import type { Manifest } from '../manifest';
import { pyFloat } from '../jinja/py-values';
import { parseRenderedRelation, Relation, renderRelationName, type RelationType } from '../relation';
import type { ManifestNode } from '../types';

/**
 * The SQL of a generic test: rows that violate it. Built-ins follow dbt's
 * default implementations; other names use the project's `{% test %}` block
 * (a `test_<name>` macro). A `where` config narrows the tested relation.
 */
export interface GenericTestSql {
  sql: string;
  /** `config()` calls of the test's macro (dbt_utils sets `fail_calc` so); the test's own config wins. */
  configCalls: Record<string, unknown>[];
}

export async function genericTestSql(
  test: ManifestNode,
  manifest: Manifest,
  compiler: NodeCompiler,
): Promise<GenericTestSql> {
  const body = await genericTestBody(test, manifest, compiler);
  // A test of an ephemeral model reads it (and its ephemeral parents) as CTEs, as dbt compiles it.
  return { ...body, sql: await compiler.withEphemeralCtes(test, body.sql) };
}

async function genericTestBody(
  test: ManifestNode,
  manifest: Manifest,
  compiler: NodeCompiler,
): Promise<GenericTestSql> {
  const sql = (text: string): GenericTestSql => ({ sql: text, configCalls: [] });
  const spec = test.test!;
  const attached = manifest.nodes.get(spec.attachedTo) ?? undefined;
  const source = manifest.sources.get(spec.attachedTo);
  const relationName = attached?.relation ?? source?.relation;
  if (!relationName) throw new Error(`Test ${test.name} is attached to unknown ${spec.attachedTo}`);
  const ephemeral = attached?.config.materialized === 'ephemeral';
  // An external_location source renders as its location (a quoted path or a table function call).
  let model = ephemeral ? `__dbt__cte__${attached.name}` : (source?.external ?? renderRelationName(relationName));
  const where = test.config.where;
  const filtered = typeof where === 'string' && where.trim() !== '';
  if (filtered) model = `(select * from ${model} where ${where}) dbt_subquery`;
  const column = spec.column ?? (spec.args.column_name as string | undefined);
  const args = await evaluateArgs(spec.args, test, compiler);
  const name = spec.testName;
  const col = column ?? '';

  switch (name) {
    case 'not_null':
      return sql(`select ${col}\nfrom ${model}\nwhere ${col} is null`);
    case 'unique':
      return sql(
        [
          'select',
          `    ${col} as unique_field,`,
          '    count(*) as n_records',
          `from ${model}`,
          `where ${col} is not null`,
          `group by ${col}`,
          'having count(*) > 1',
        ].join('\n'),
      );
    case 'accepted_values': {
      const values = Array.isArray(args.values) ? args.values : [];
      const quote = args.quote !== false;
      const list = values.map((v) => (quote ? `'${String(v).replace(/'/g, "''")}'` : String(v))).join(', ');
      return sql(
        [
          'with all_values as (',
          `    select ${col} as value_field, count(*) as n_records`,
          `    from ${model}`,
          `    group by ${col}`,
          ')',
          'select *',
          'from all_values',
          `where value_field not in (${list})`,
        ].join('\n'),
      );
    }
    case 'relationships': {
      const to = String(args.to);
      const field = String(args.field);
      return sql(
        [
          'with child as (',
          `    select ${col} as from_field`,
          `    from ${model}`,
          `    where ${col} is not null`,
          '),',
          'parent as (',
          `    select ${field} as to_field`,
          `    from ${to}`,
          ')',
          'select from_field',
          'from child',
          'left join parent on child.from_field = parent.to_field',
          'where parent.to_field is null',
        ].join('\n'),
      );
    }
    default: {
      // `- my_package.my_test` calls the package's `test_my_test`; a bare name, the project's (or a package's).
      const dot = name.indexOf('.');
      const macroName = dot >= 0 ? `${name.slice(0, dot)}.test_${name.slice(dot + 1)}` : `test_${name}`;
      const known =
        manifest.macros.has(macroName) ||
        (dot < 0 && manifest.project.packages.some((p) => manifest.macros.has(`${p.name}.${macroName}`)));
      if (!known) {
        throw new UnsupportedFeatureError(
          `The generic test '${name}'`,
          { file: spec.file, line: 1 },
          dot >= 0
            ? `no {% test %} block named '${name.slice(dot + 1)}' in package '${name.slice(0, dot)}'`
            : `no {% test ${name}(...) %} block in macros/`,
        );
      }
      const kwargs = Object.keys(args)
        .filter((k) => k !== 'model' && k !== 'column_name')
        .map((k) => `${k}=lh_test_args__[${JSON.stringify(k)}]`);
      const call = [`model=lh_test_model__`, ...(column ? ['column_name=lh_test_column__'] : []), ...kwargs].join(', ');
      // As dbt's get_where_subquery: the relation itself (packages check `model is mapping`), or with
      // a `where` the subquery text.
      return renderTest(compiler, `{{ ${macroName}(${call}) }}`, spec.file, test, {
        lh_test_model__: filtered
          ? rawSql(model)
          : ephemeral
            ? new Relation(undefined, undefined, model, 'cte')
            : source?.external !== undefined
              ? new Relation(
                  relationName.database,
                  relationName.schema,
                  relationName.identifier,
                  'external',
                  source.external,
                )
              : Relation.from(relationName, attached ? relationType(attached) : 'table'),
        lh_test_column__: column,
        lh_test_args__: args,
      });
    }
  }
}

/** `to: ref('customers')` and other ref/source expressions in test arguments become relations. */
async function evaluateArgs(
  args: Record<string, unknown>,
  test: ManifestNode,
  compiler: NodeCompiler,
): Promise<Record<string, unknown>> {
  // As dbt's add_rendered_test_kwargs: every string argument but column_name, in lists and dicts
  // too, is rendered natively in the test's context (`column_type: "{{ my_pkg.type_x() }}"`); a
  // string that looks like a call (`ref(...)`, `var(...)`) is rendered as an expression.
  const render = async (value: unknown): Promise<unknown> => {
    if (Array.isArray(value)) return Promise.all(value.map(render));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = await render(v);
      return out;
    }
    if (typeof value !== 'string') return value;
    const source = LOOKS_LIKE_CALL.test(value) ? `{{ ${value} }}` : value;
    const text = /\{\{|\{%|\{#/.test(source)
      ? await compiler.renderSnippet(source, test.test!.file, test, false)
      : source;
    // dbt passes the Relation object (`compare_model=ref('x')`); it renders to the same text.
    return parseRenderedRelation(text) ?? nativeLiteral(text);
  };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) out[key] = key === 'column_name' ? value : await render(value);
  return out;
}

const LOOKS_LIKE_CALL = /^\s*(env_var|ref|var|source|doc)\s*\(.+\)\s*$/s;

/** dbt's native rendering reads a text that is a Python number, bool or None as that value. */
function nativeLiteral(text: string): unknown {
  const t = text.trim();
  if (/^[+-]?\d+$/.test(t)) return Number(t);
  if (/^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$/.test(t)) return pyFloat(Number(t));
  if (t === 'True') return true;
  if (t === 'False') return false;
  if (t === 'None') return null;
  return text;
}

/** A relation string that renders as-is and still answers `.identifier` like a relation. */
/** The tested relation as a test macro sees it: prints as its SQL (a class instance, so Jinja prints it, not a dict). */
class RawRelation {
  readonly identifier: string;
  readonly name: string;
  constructor(private readonly text: string) {
    this.identifier = text.split('.').pop()!.replace(/"/g, '');
    this.name = this.identifier;
  }
  toString(): string {
    return this.text;
  }
}

async function renderTest(
  compiler: NodeCompiler,
  call: string,
  file: string,
  test: ManifestNode,
  extra: Record<string, unknown>,
): Promise<GenericTestSql> {
  const { text, configCalls } = await compiler.renderSnippetWithConfig(call, file, test, false, extra);
  return { sql: text, configCalls };
}

function relationType(node: ManifestNode): RelationType {
  return node.config.materialized === 'view' ? 'view' : 'table';
}

function rawSql(text: string): RawRelation {
  return new RawRelation(text);
}

/** Wraps a test query as dbt does: the number of failing rows. */
export function failureCountSql(testSql: string, config: Record<string, unknown> = {}): string {
  // As dbt's get_test_sql: `fail_calc` (default count(*)) over the test's rows, cut at `limit`.
  const failCalc =
    typeof config.fail_calc === 'string' && config.fail_calc.trim() !== '' ? config.fail_calc : 'count(*)';
  const limit = config.limit === undefined || config.limit === null ? '' : `\nlimit ${String(config.limit)}`;
  return `select ${failCalc} as failures from (\n${testSql.replace(/;\s*$/, '').trimEnd()}${limit}\n) dbt_internal_test`;
}
