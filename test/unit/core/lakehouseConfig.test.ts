import { describe, expect, it } from 'vitest';
import { parseLakehouseFile, resolveEntries } from '../../../src/core/config/lakehouseConfig';
import { ConfigError } from '../../../src/core/errors';

const LOCATION = 'azurite://127.0.0.1:10000/ws/x.Lakehouse';

describe('lakehouse.yml keys', () => {
  it('an unknown key is an error with its line and the key it was probably meant to be', () => {
    const text = `lakehouses:\n  - name: a\n    location: ${LOCATION}\n  - name: b\n    location: ${LOCATION}\n    stale_after: 2h\n`;
    expect(() => parseLakehouseFile(text, 'lakehouse.yml')).toThrow(
      new ConfigError(
        "lakehouse.yml line 6: lakehouses[1] has an unknown key 'stale_after' (did you mean 'staleAfter'?); a lakehouse entry has name, location, catalog, staleAfter, project, iceberg, layout.",
      ),
    );
  });

  it('settings entries get the same check; known keys pass', () => {
    expect(() => resolveEntries([{ name: 'a', location: LOCATION, colour: 'red' } as never], 'settings')).toThrow(
      /settings lakehouses\[0\] has an unknown key 'colour'; a lakehouse entry has/,
    );
    const [entry] = parseLakehouseFile(
      `lakehouses:\n  - name: a\n    location: ${LOCATION}\n    catalog: Files/metadata.db\n    staleAfter: 2h\n    project: .\n`,
      'lakehouse.yml',
    );
    expect(entry).toMatchObject({ name: 'a', staleAfterMs: 7_200_000, project: '.' });
  });

  it('iceberg: true turns the Iceberg export on for that lakehouse; absent means "not set here"; anything else is refused', () => {
    const [on, unset] = parseLakehouseFile(
      `lakehouses:\n  - name: a\n    location: ${LOCATION}\n    iceberg: true\n  - name: b\n    location: ${LOCATION}\n`,
      'lakehouse.yml',
    );
    expect(on!.iceberg).toBe(true);
    expect(unset!.iceberg).toBeUndefined();
    expect(() =>
      parseLakehouseFile(
        `lakehouses:\n  - name: a\n    location: ${LOCATION}\n    iceberg: yes please\n`,
        'lakehouse.yml',
      ),
    ).toThrow(new ConfigError("lakehouse.yml lakehouses[0]: 'iceberg' must be true or false."));
  });
});
