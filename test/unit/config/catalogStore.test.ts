import { describe, expect, it } from 'vitest';
import { postgresConnection } from '../../../src/core/config/catalogStore';
import { parseLakehouseFile } from '../../../src/core/config/lakehouseConfig';
import { setEntryCatalog } from '../../../src/core/config/lakehouseFileEdit';
import { ConfigError } from '../../../src/core/errors';

const LOCATION = 'azurite://127.0.0.1:10000/ws/sales.Lakehouse';
const file = (catalog: string) => `lakehouses:\n  - name: sales\n    location: ${LOCATION}\n    catalog: ${catalog}\n`;

function refusal(text: string): ConfigError {
  try {
    parseLakehouseFile(text, 'lakehouse.yml');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('lakehouse.yml catalog: sqlite or postgres', () => {
  it('reads a postgres catalog as the variable that holds the connection, the data still in Tables/', () => {
    const [entry] = parseLakehouseFile(file('{ type: postgres, connection_env: LAKEHOUSE_PG_SALES }'), 'lakehouse.yml');
    expect(entry!.catalogStore).toEqual({ kind: 'postgres', connectionEnv: 'LAKEHOUSE_PG_SALES' });
    expect(entry!.catalogPath).toBe('Files/metadata.db');
  });

  it('keeps a path string and { type: sqlite, path } as the SQLite catalog under a lease', () => {
    const [a] = parseLakehouseFile(file('Files/lake/meta.db'), 'lakehouse.yml');
    const [b] = parseLakehouseFile(file('{ type: sqlite, path: Files/lake/meta.db }'), 'lakehouse.yml');
    expect(a!.catalogStore).toBeUndefined();
    expect(b!.catalogStore).toBeUndefined();
    expect([a!.catalogPath, b!.catalogPath]).toEqual(['Files/lake/meta.db', 'Files/lake/meta.db']);
  });

  it('refuses a connection string written where the variable name belongs, without repeating it', () => {
    const error = refusal(file("{ type: postgres, connection_env: 'host=db password=hunter2' }"));
    expect(error.message).toContain('looks like a connection string');
    expect(`${error.message} ${error.hint}`).not.toContain('hunter2');
  });

  it('refuses a connection key, an unknown type and a path on a postgres catalog', () => {
    expect(refusal(file("{ type: postgres, connection: 'postgresql://u:p@h/db' }")).hint).toContain('connection_env');
    expect(refusal(file('{ type: mysql }')).message).toContain('sqlite or postgres');
    expect(refusal(file('{ type: postgres, connection_env: X, path: Files/m.db }')).message).toContain("no 'path'");
    expect(refusal(file('{ type: postgres }')).message).toContain('connection_env');
  });

  it('reads the connection from the named variable and says which variable is missing', () => {
    const store = { kind: 'postgres', connectionEnv: 'LAKEHOUSE_PG_SALES' } as const;
    expect(postgresConnection(store, 'sales', { LAKEHOUSE_PG_SALES: ' host=db dbname=lake ' })).toBe(
      'host=db dbname=lake',
    );
    expect(() => postgresConnection(store, 'sales', {})).toThrow(/LAKEHOUSE_PG_SALES, which is not set/);
  });
});

describe('lakehouse.yml follows a migration', () => {
  const text = `# team lakehouses\nlakehouses:\n  - name: sales # the main one\n    location: ${LOCATION}\n  - name: other\n    location: ${LOCATION.replace('sales', 'other')}\n`;

  it('points one entry at PostgreSQL and back, keeping comments and the other entries', () => {
    const moved = setEntryCatalog(text, 'sales', 'LAKEHOUSE_PG_SALES');
    const entries = parseLakehouseFile(moved, 'lakehouse.yml');
    expect(entries.map((e) => e.catalogStore)).toEqual([
      { kind: 'postgres', connectionEnv: 'LAKEHOUSE_PG_SALES' },
      undefined,
    ]);
    expect(moved).toContain('# team lakehouses');
    expect(moved).toContain('# the main one');
    const back = setEntryCatalog(moved, 'sales', undefined);
    expect(parseLakehouseFile(back, 'lakehouse.yml').map((e) => e.catalogStore)).toEqual([undefined, undefined]);
    expect(() => setEntryCatalog(text, 'nope', undefined)).toThrow(/no lakehouse named 'nope'/);
  });
});
