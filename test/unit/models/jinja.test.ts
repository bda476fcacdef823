import { describe, expect, it } from 'vitest';
import { ModelCompileError, UnsupportedFeatureError } from '../../../src/core/models/errors';
import type { NodeScope, ProjectServices } from '../../../src/core/models/jinja/context';
import { compileTemplate, createJinjaEnvironment } from '../../../src/core/models/jinja/environment';
import { MacroLibrary } from '../../../src/core/models/jinja/macros';
import { makeQueryTable } from '../../../src/core/models/jinja/query-result';
import { renderTemplate } from '../../../src/core/models/jinja/render';
import { Relation } from '../../../src/core/models/relation';

const env = createJinjaEnvironment();

function services(macros: Record<string, string> = {}, vars: Record<string, unknown> = {}): ProjectServices {
  const library = MacroLibrary.load(
    env,
    Object.entries(macros).map(([relativePath, raw]) => ({ path: `/p/${relativePath}`, relativePath, raw })),
  );
  return {
    projectName: 'demo',
    target: {
      name: 'dev',
      profile_name: 'demo',
      type: 'duckdb',
      database: 'lake',
      schema: 'main',
      threads: 1,
      path: ':memory:',
    },
    lookupVar: (name) => (name in vars ? { found: true, value: vars[name] } : { found: false }),
    env: { HOME_REGION: 'west' },
    macros: library,
    resolveRef: (name, pkg) => {
      if (name === 'missing') throw new ModelCompileError(`Model 'missing' not found`, undefined);
      return new Relation('lake', pkg ?? 'main', name, 'table');
    },
    resolveSource: (source, table) => new Relation('raw', source, table, 'table'),
    invocationId: 'inv',
    runStartedAt: new Date('2024-05-06T07:08:09Z'),
    fullRefresh: false,
  };
}

function scope(overrides: Partial<NodeScope> = {}): NodeScope {
  return {
    uniqueId: 'model.demo.m',
    name: 'm',
    resourceType: 'model',
    path: '/p/models/m.sql',
    config: { tags: [], enabled: true, pre_hook: [], post_hook: [] },
    relation: new Relation('lake', 'main', 'm', 'table'),
    isIncremental: false,
    execute: true,
    ...overrides,
  };
}

async function render(
  source: string,
  opts: {
    macros?: Record<string, string>;
    vars?: Record<string, unknown>;
    scope?: Partial<NodeScope>;
    queries?: Record<string, Record<string, unknown>[]>;
  } = {},
) {
  const ran: string[] = [];
  const output = await renderTemplate({
    template: compileTemplate(env, source, 'models/m.sql'),
    services: services(opts.macros, opts.vars),
    scope: scope(opts.scope),
    runQuery: async (sql) => {
      ran.push(sql);
      const rows = opts.queries?.[sql];
      if (!rows) throw new Error(`unexpected query ${sql}`);
      return makeQueryTable(Object.keys(rows[0] ?? {}), rows);
    },
  });
  return { ...output, ran };
}

describe('Jinja rendering of dbt idioms', () => {
  it('records config() keyword arguments and renders nothing for it', async () => {
    const { text, pass } = await render("{{ config(materialized='table', tags=['a', 'b'], unique_key='id') }}select 1");
    expect(text).toBe('select 1');
    expect(pass.configCalls).toEqual([{ materialized: 'table', tags: ['a', 'b'], unique_key: 'id' }]);
  });

  it('renders ref with one and two arguments, source and this as quoted relations', async () => {
    const { text, pass } = await render(
      "{{ ref('orders') }} {{ ref('pkg', 'items') }} {{ source('erp', 'customers') }} {{ this }} {{ this.identifier }}",
    );
    expect(text).toBe('"lake"."main"."orders" "lake"."pkg"."items" "raw"."erp"."customers" "lake"."main"."m" m');
    expect(pass.refs).toEqual([{ name: 'orders' }, { name: 'items', packageName: 'pkg' }]);
    expect(pass.sources).toEqual([{ sourceName: 'erp', tableName: 'customers' }]);
  });

  it('handles set, if/else, for with loop.last, join and lower, and whitespace control', async () => {
    const source = [
      "{%- set cols = ['A', 'B', 'C'] -%}",
      'select',
      '{%- for c in cols %}',
      '  {{ c | lower }}{% if not loop.last %},{% endif %}',
      '{%- endfor %}',
      'from t{% if is_incremental() %} where x > 1{% else %} -- full{% endif %}',
      "-- {{ cols | join('|') }}",
    ].join('\n');
    const { text } = await render(source);
    expect(text).toBe('select\n  a,\n  b,\n  c\nfrom t -- full\n-- A|B|C');
  });

  it('answers should_full_refresh() and should_store_failures() from the config, else the command', async () => {
    const source = '{{ should_full_refresh() }} {{ should_store_failures() }}';
    expect((await render(source)).text).toBe('False False');
    const configured = {
      tags: [],
      enabled: true,
      pre_hook: [],
      post_hook: [],
      full_refresh: true,
      store_failures: true,
    };
    expect((await render(source, { scope: { config: configured } })).text).toBe('True True');
    const inModel = '{{ config(full_refresh=false) }}{{ should_full_refresh() }}';
    expect((await render(inModel, { scope: { config: configured } })).text).toBe('False');
  });

  it("reaches the project's own macros through its name, as dbt does", async () => {
    const { text } = await render('{{ demo.hello() }} {{ hello() }}', {
      macros: { 'macros/hello.sql': '{% macro hello() %}hi{% endmacro %}' },
    });
    expect(text).toBe('hi hi');
  });

  it('calls project macros with positional and keyword arguments, from models and from each other', async () => {
    const macros = {
      'macros/money.sql':
        '{% macro cents_to_units(col, scale=2) %}round({{ col }} / 100, {{ scale }}){% endmacro %}\n{% macro total(col) %}sum({{ cents_to_units(col, scale=4) }}){% endmacro %}',
    };
    const { text } = await render("select {{ cents_to_units('amount') }}, {{ total('fee') }}", { macros });
    expect(text).toBe('select round(amount / 100, 2), sum(round(fee / 100, 4))');
  });

  it('returns values from macros with return(), including {% do return(...) %}', async () => {
    const macros = {
      'macros/lists.sql': [
        "{% macro regions() %}{{ return(['north', 'south']) }}{% endmacro %}",
        '{% macro first_region() %}{% do return(regions()[0]) %}ignored text{% endmacro %}',
      ].join('\n'),
    };
    const { text } = await render(
      '{% for r in regions() %}{{ r | upper }}{% if not loop.last %}+{% endif %}{% endfor %} {{ first_region() }}',
      { macros },
    );
    expect(text).toBe('NORTH+SOUTH north');
  });

  it('supports call blocks with caller() and {% set %} blocks', async () => {
    const macros = {
      'macros/wrap.sql': '{% macro wrap(name, upper=False) %}/* {{ name }} */ ({{ caller() | trim }}){% endmacro %}',
    };
    const source =
      "{% set inner %}\n  select 1\n{% endset %}{% call wrap('q', upper=True) %} {{ inner }} {% endcall %}";
    const { text } = await render(source, { macros });
    expect(text).toBe('/* q */ (select 1)');
  });

  it('offers var with defaults, env_var, target and Python string methods', async () => {
    const { text } = await render(
      "{{ var('start', '2020-01-01') }} {{ var('region') }} {{ env_var('HOME_REGION') }} {{ env_var('NOPE', 'dflt') }} {{ target.schema }} {{ 'stg_x'.startswith('stg_') }} {{ 'a_b'.replace('_', '-').upper() }} {{ 'x,y'.split(',') | length }} {{ 'abc'[:2] }}",
      { vars: { region: 'eu' } },
    );
    expect(text).toBe('2020-01-01 eu west dflt main True A-B 2 ab');
  });

  it('fails on a required var that is not set, pointing at the line', async () => {
    const error = await render("select\n  1,\n  {{ var('missing_var') }}").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelCompileError);
    expect((error as ModelCompileError).location).toEqual({ file: '/p/models/m.sql', line: 3 });
    expect((error as Error).message).toContain("Required var 'missing_var'");
  });

  it('runs run_query synchronously from the template view, re-rendering with the answers', async () => {
    const queries = {
      'select distinct region from r order by 1': [{ region: 'north' }, { region: 'south' }],
      "select count(*) as n from r where region = 'south'": [{ n: 7n }],
    };
    const source = [
      "{% set regions = run_query('select distinct region from r order by 1').columns[0].values() %}",
      '{% set last = regions[regions | length - 1] %}',
      '{% set n = run_query("select count(*) as n from r where region = \'" ~ last ~ "\'").rows[0][0] %}',
      "{% do log('regions: ' ~ regions | join(',')) %}",
      "select {% for r in regions %}sum(case when region = '{{ r }}' then 1 end) as {{ r }}, {% endfor %}{{ n }} as n_last",
    ].join('\n');
    const { text, ran, pass } = await render(source, { queries });
    expect(ran).toEqual(Object.keys(queries));
    expect(text.trim()).toBe(
      "select sum(case when region = 'north' then 1 end) as north, sum(case when region = 'south' then 1 end) as south, 7 as n_last",
    );
    expect(pass.logs).toEqual(['regions: north,south']);
  });

  it('does not run queries while parsing (execute is false)', async () => {
    const { text, ran } = await render(
      "{% if execute %}{{ run_query('select 1').rows | length }}{% else %}parse{% endif %}",
      {
        scope: { execute: false },
      },
    );
    expect(text).toBe('parse');
    expect(ran).toEqual([]);
  });

  it("lets a project override generate_schema_name and keeps dbt's default otherwise", async () => {
    const dflt = await render("{{ generate_schema_name('marts', this) }}|{{ generate_schema_name(none, this) }}");
    expect(dflt.text).toBe('main_marts|main');
    const macros = {
      'macros/schema.sql':
        '{% macro generate_schema_name(custom_schema_name, node) -%}{%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}{%- endmacro %}',
    };
    const custom = await render("{{ generate_schema_name('marts', this) }}|{{ generate_schema_name(none, this) }}", {
      macros,
    });
    expect(custom.text).toBe('marts|main');
  });

  it('supports adapter.dispatch, adapter.quote and namespace-style dbt.* macros', async () => {
    const macros = {
      'macros/d.sql':
        "{% macro default__greet(x) %}hello {{ x }}{% endmacro %}{% macro greet(x) %}{{ return(adapter.dispatch('greet')(x)) }}{% endmacro %}",
    };
    const { text } = await render(
      "{{ greet('w') }} {{ adapter.quote('a b') }} {{ dbt.dateadd('day', 1, 'd') }} {{ dbt.type_string() }}",
      { macros },
    );
    expect(text).toBe('hello w "a b" date_add(d, interval (1) day) VARCHAR');
  });

  it('reports a Jinja syntax error in a macro file with its line', () => {
    let error: unknown;
    try {
      MacroLibrary.load(env, [
        {
          path: '/p/macros/bad.sql',
          relativePath: 'macros/bad.sql',
          raw: '{% macro a() %}\nok\n{{ oops( }}\n{% endmacro %}',
        },
      ]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelCompileError);
    expect((error as ModelCompileError).location?.line).toBe(3);
    expect((error as ModelCompileError).location?.file).toBe('/p/macros/bad.sql');
  });

  it('rejects custom materializations as unsupported with a hint to the dbt runner', () => {
    let error: unknown;
    try {
      MacroLibrary.load(env, [
        {
          path: '/p/macros/m.sql',
          relativePath: 'macros/m.sql',
          raw: '\n\n{% materialization mine, default %}{% endmaterialization %}',
        },
      ]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnsupportedFeatureError);
    expect((error as UnsupportedFeatureError).location?.line).toBe(3);
    expect((error as UnsupportedFeatureError).hint).toContain("'lakehouse.runner' to 'dbt'");
  });

  it('names an unknown macro and the line that called it', async () => {
    const error = await render('select\n{{ not_a_macro(1) }}').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelCompileError);
    expect((error as ModelCompileError).location?.line).toBe(2);
    expect((error as Error).message).toContain('not_a_macro');
  });

  it('reports an error inside a macro with the macro name and the calling line', async () => {
    const macros = {
      'macros/boom.sql': "{% macro boom() %}{{ exceptions.raise_compiler_error('bad input') }}{% endmacro %}",
    };
    const error = await render('a\nb\n{{ boom() }}', { macros }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelCompileError);
    expect((error as Error).message).toContain("bad input (in macro 'boom', macros/boom.sql)");
    expect((error as ModelCompileError).location?.line).toBe(3);
  });

  it('supports generic test blocks as test_<name> macros', async () => {
    const macros = {
      'macros/tests.sql':
        '{% test positive(model, column_name) %}select * from {{ model }} where {{ column_name }} < 0{% endtest %}',
    };
    const { text } = await render("{{ test_positive(model=ref('x'), column_name='v') }}", { macros });
    expect(text).toBe('select * from "lake"."main"."x" where v < 0');
  });

  it('supports namespace(), dict methods, map(attribute=) and format', async () => {
    const { text } = await render(
      "{% set ns = namespace(total=0) %}{% for i in [1, 2, 3] %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }} {% set d = {'a': 1} %}{{ d.get('a') }}{{ d.get('z', 9) }} {{ [{'n': 'x'}, {'n': 'y'}] | map(attribute='n') | join('') }} {{ '%s-%s' | format('p', 2) }} {{ '{}_{}'.format('a', 'b') }}",
    );
    expect(text).toBe('6 19 xy p-2 a_b');
  });
});
