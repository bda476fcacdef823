import { describe, expect, it } from 'vitest';
import { loadsExtension } from '../../../src/core/models/sql-executor';

// An extension loaded by the project's SQL may bring functions with it: the skip check then lists the
// session's own functions whole instead of reading only the catalogs' macros.
describe('which statements load an extension', () => {
  it('finds INSTALL and LOAD at the start of any statement, not the word inside one', () => {
    for (const sql of [
      'LOAD spatial',
      'install httpfs',
      'FORCE INSTALL h3 FROM community',
      'select 1; LOAD spatial',
      '-- the grid\nLOAD spatial',
      '/* x */ load spatial',
    ])
      expect(loadsExtension(sql), sql).toBe(true);
    for (const sql of [
      'select load, kwh from readings',
      'CREATE OR REPLACE TABLE "lake"."main"."load" AS (select 1 as load)',
      "select 'LOAD x' as s",
      '-- LOAD spatial\nselect 1',
    ])
      expect(loadsExtension(sql), sql).toBe(false);
  });
});
