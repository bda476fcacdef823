import { afterEach, describe, expect, it } from 'vitest';
import { buildProject, runModels, seedProject, testModels } from '../../../src/core/models';
import { makeProject, queryCatalog, withSession, type Workspace } from './helpers';

let ws: Workspace | undefined;
afterEach(() => ws?.cleanup());

const PROJECT = {
  'seeds/customers.csv':
    'id,name,signup_date,score,active,zip\n1,Ann,2024-01-05,1.5,true,0101\n2,Bob,2024-02-11,2,false,0202\n3,,2024-03-01,3.25,true,0303\n',
  'seeds/schema.yml':
    'version: 2\nseeds:\n  - name: customers\n    config:\n      column_types:\n        zip: varchar\n',
  'models/orders.sql':
    "{{ config(materialized='table') }}\nselect * from (values (10, 1, 'placed'), (11, 2, 'shipped'), (12, 9, 'lost'), (13, 2, 'placed')) as t(order_id, customer_id, status)",
  'models/schema.yml': `version: 2
models:
  - name: orders
    columns:
      - name: order_id
        data_tests: [unique, not_null]
      - name: status
        data_tests:
          - accepted_values:
              arguments:
                values: ['placed', 'shipped']
      - name: customer_id
        data_tests:
          - relationships:
              arguments:
                to: ref('customers')
                field: id
              config:
                severity: warn
`,
  'tests/no_big_orders.sql': "select * from {{ ref('orders') }} where order_id > 100",
  'tests/names_present.sql': "select * from {{ ref('customers') }} where name is null",
};

describe('seeds and data tests', () => {
  it('loads a seed with inferred types and column_types overrides', async () => {
    ws = makeProject(PROJECT);
    const summary = await withSession((session) => seedProject({ projectDir: ws!.projectDir, session, env: ws!.env }));
    expect(summary.results.map((r) => [r.name, r.status, r.rowsAffected])).toEqual([['customers', 'success', 3]]);
    const columns = await queryCatalog<{ column_name: string; data_type: string }>(
      ws,
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = 'lake' AND table_name = 'customers' ORDER BY ordinal_position`,
    );
    expect(columns.map((c) => `${c.column_name} ${c.data_type}`)).toEqual([
      'id INTEGER',
      'name VARCHAR',
      'signup_date DATE',
      'score DOUBLE',
      'active BOOLEAN',
      'zip VARCHAR',
    ]);
    expect(await queryCatalog(ws, 'SELECT zip, name FROM lake.main.customers ORDER BY id')).toEqual([
      { zip: '0101', name: 'Ann' },
      { zip: '0202', name: 'Bob' },
      { zip: '0303', name: null },
    ]);
  });

  it('runs generic and singular tests with pass, fail and warn results', async () => {
    ws = makeProject(PROJECT);
    const summary = await withSession(async (session) => {
      await seedProject({ projectDir: ws!.projectDir, session, env: ws!.env });
      await runModels({ projectDir: ws!.projectDir, session, env: ws!.env });
      return testModels({ projectDir: ws!.projectDir, session, env: ws!.env });
    });
    const byName = Object.fromEntries(summary.results.map((r) => [r.name, [r.status, r.failures]]));
    expect(byName).toEqual({
      unique_orders_order_id: ['pass', 0],
      not_null_orders_order_id: ['pass', 0],
      accepted_values_orders_status__placed__shipped: ['fail', 1],
      relationships_orders_customer_id__id__ref_customers_: ['warn', 1],
      no_big_orders: ['pass', 0],
      names_present: ['fail', 1],
    });
    expect(summary.success).toBe(false);
    const selected = await withSession((session) =>
      testModels({ projectDir: ws!.projectDir, session, env: ws!.env, select: ['customers'] }),
    );
    // Indirect selection: tests on customers, and the relationships test that reaches it.
    expect(selected.results.map((r) => r.name).sort()).toEqual([
      'names_present',
      'relationships_orders_customer_id__id__ref_customers_',
    ]);
  });

  it('build runs seeds, models and tests in order and skips children of a model whose test fails', async () => {
    ws = makeProject({
      ...PROJECT,
      'models/downstream.sql': "select count(*) as n from {{ ref('orders') }}",
      'models/independent.sql': 'select 1 as one',
    });
    const summary = await withSession((session) => buildProject({ projectDir: ws!.projectDir, session, env: ws!.env }));
    const statuses = Object.fromEntries(summary.results.map((r) => [r.name, r.status]));
    expect(statuses.customers).toBe('success');
    expect(statuses.orders).toBe('success');
    expect(statuses.accepted_values_orders_status__placed__shipped).toBe('fail');
    expect(statuses.downstream).toBe('skipped');
    expect(statuses.independent).toBe('success');
    const order = summary.results.map((r) => r.name);
    expect(order.indexOf('customers')).toBeLessThan(order.indexOf('orders'));
    expect(order.indexOf('unique_orders_order_id')).toBeLessThan(order.indexOf('downstream'));
  });
});
