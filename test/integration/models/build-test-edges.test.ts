import { describe, expect, it } from 'vitest';
import { builtinBuild, DBT_PEER_PROFILE, dbtBuildResults, sideBySideProjects } from './helpers';

/**
 * In `dbt build` a failing test skips a node only when everything the test reads is upstream of
 * that node: a relationships test of `orders` against `customers` that fails skips what reads both,
 * never what reads `customers` alone. Found on a public project, where the runner skipped 17 nodes
 * dbt built. Statuses compared node for node with dbt-duckdb.
 */
const FILES: Record<string, string> = {
  'profiles.yml': DBT_PEER_PROFILE,
  'models/customers.sql': "{{ config(materialized='table') }}\nselect 1 as id",
  'models/orders.sql': "{{ config(materialized='table') }}\nselect 1 as id, 2 as customer_id",
  // Named to come after the failing test in the run's order (file order), so a wrong skip would show.
  'models/z_customer_names.sql': "{{ config(materialized='table') }}\nselect id from {{ ref('customers') }}",
  'models/order_customers.sql':
    "{{ config(materialized='table') }}\nselect o.id from {{ ref('orders') }} o join {{ ref('customers') }} c on c.id = o.customer_id",
  'models/schema.yml': `version: 2
models:
  - name: orders
    columns:
      - name: customer_id
        data_tests:
          - relationships:
              arguments: {to: ref('customers'), field: id}
`,
};

const projects = sideBySideProjects();

describe('build: which nodes a failing test skips', () => {
  it("skips what reads everything the test reads, as dbt's build does", async () => {
    const { mine, peer } = projects(FILES, 'test-edges');
    const summary = await builtinBuild(mine);
    const theirs = await dbtBuildResults(peer);
    const rows = (list: Array<[string, string]>) => list.map(([id, status]) => `${id} ${status}`).sort();
    expect(rows(summary.results.map((r) => [r.uniqueId, r.status]))).toEqual(
      rows(theirs.map((r) => [r.unique_id, r.status])),
    );
    const status = (name: string) => summary.results.find((r) => r.name === name)?.status;
    expect(status('z_customer_names')).toBe('success');
    const order = summary.results.map((r) => r.name);
    expect(order.indexOf('z_customer_names')).toBeGreaterThan(order.findIndex((n) => n.startsWith('relationships_')));
    expect(status('order_customers')).toBe('skipped');
  });
});
