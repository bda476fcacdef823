import { describe, expect, it } from 'vitest';
import { connectionSecrets, scrubConnection } from '../../../src/core/query/teamTarget';

describe('masking a PostgreSQL connection in errors', () => {
  it('finds the password of a libpq key/value string, quoted or not, and of a URL (encoded too)', () => {
    expect(connectionSecrets('host=db port=5432 user=ana password=s3cr3tPw dbname=lake')).toContain('s3cr3tPw');
    expect(connectionSecrets("host=db password='with space' dbname=lake")).toContain('with space');
    expect(connectionSecrets('postgresql://ana:p%40ss%2Fword@db:5432/lake')).toEqual(
      expect.arrayContaining(['p%40ss%2Fword', 'p@ss/word']),
    );
    expect(connectionSecrets('host=db user=ana dbname=lake')).toEqual(['host=db user=ana dbname=lake']);
  });

  it('masks the whole string and the password alone, keeping the reason readable', () => {
    const connection = 'host=db port=5432 user=ana password=s3cr3tPw dbname=lake';
    const text = `IO Error: Unable to connect to Postgres at "${connection}": FATAL: password authentication failed (s3cr3tPw)`;
    const out = scrubConnection(text, connection);
    expect(out).not.toContain('s3cr3tPw');
    expect(out).not.toContain('dbname=lake');
    expect(out).toContain('password authentication failed');
    const url = 'postgresql://ana:p%40ss@db/lake';
    expect(scrubConnection(`at ${url} and p@ss`, url)).toBe('at *** and ***');
  });
});
