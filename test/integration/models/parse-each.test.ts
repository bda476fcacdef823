import { describe, expect, it } from 'vitest';
import { parseEach } from '../../../src/core/models/skip-unchanged/sql-reads';
import { withSession } from './helpers';

/**
 * `parseEach` parses many texts in a few statements; each text's tree must be exactly what its own
 * `json_serialize_sql` gives, in order, however many texts and whatever they hold.
 */
describe('parseEach', () => {
  it('gives each text the tree of its own json_serialize_sql, in order, in batches of 100', async () => {
    const texts: string[] = [];
    for (let i = 0; i < 230; i++) texts.push(`select ${i} as n, 'it''s' as s from lake.main.t${i % 7}`);
    // Quotes, a comment, a semicolon, two statements, not a SELECT, and a syntax error among them.
    texts.splice(
      17,
      0,
      "select 'a''b' as q -- it's here\nfrom x",
      'select 1;',
      'select 1; select 2',
      'create table x as select 1',
      'selec oops',
      '',
    );
    await withSession(async (session) => {
      const statements: string[] = [];
      const parsed = await parseEach((sql) => {
        statements.push(sql);
        return session.all(sql);
      }, texts);
      expect(statements).toHaveLength(3);
      expect(parsed).toHaveLength(texts.length);
      for (const [i, text] of texts.entries()) {
        const [own] = await session.all<{ j: string }>(`SELECT json_serialize_sql('${text.replace(/'/g, "''")}') AS j`);
        expect(parsed[i], `text ${i}: ${text}`).toEqual(JSON.parse(String(own!.j)));
      }
    });
  });
});
