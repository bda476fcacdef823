import { existsSync, readFileSync } from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';
import { ProjectConfigError, UnsupportedFeatureError, type SourceLocation } from '../errors';
import { asRecord } from '../yaml-values';

/** A row of a dict or csv fixture: column name → YAML value (csv: strings, empty fields null). */
export type FixtureRow = Record<string, unknown>;

/** `rows:` in dict/csv form become rows; in sql form the SELECT itself. */
export type Fixture = { format: 'rows'; rows: FixtureRow[] } | { format: 'sql'; sql: string };

export interface UnitTestInput {
  /** As written: `ref('x')`, `ref('pkg', 'x')`, `source('s', 't')` or `this`. */
  input: string;
  kind: 'ref' | 'source' | 'this';
  /** ref: [package?, name]; source: [source, table]. */
  args: string[];
  /** Undefined for a dict input without rows (dbt then reads the seed file). */
  fixture: Fixture | undefined;
}

/** One entry of `unit_tests:` in a schema YAML file (dbt ≥ 1.8). */
export interface UnitTestSpec {
  name: string;
  model: string;
  given: UnitTestInput[];
  expect: Fixture;
  overrides: { macros: Record<string, unknown>; vars: Record<string, unknown>; envVars: Record<string, string> };
  config: Record<string, unknown>;
  description?: string;
  location: SourceLocation;
}

const UNIT_TEST_KEYS = new Set(['name', 'model', 'given', 'expect', 'overrides', 'config', 'description', 'versions']);

/** The `unit_tests:` list of one schema file; anything dbt would read and this runner would not is refused here. */
export function parseUnitTests(
  value: unknown,
  file: string,
  fixtures: ReadonlyMap<string, string> = new Map(),
): UnitTestSpec[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw new ProjectConfigError("'unit_tests:' must be a list.", lineOf(file, /unit_tests\s*:/));
  return value.map((raw) => parseOne(asRecord(raw), file, fixtures));
}

function parseOne(entry: Record<string, unknown>, file: string, fixtures: ReadonlyMap<string, string>): UnitTestSpec {
  if (typeof entry.name !== 'string' || typeof entry.model !== 'string') {
    throw new ProjectConfigError(
      'A unit test needs a name and a model.',
      lineOf(file, /unit_tests\s*:/),
      "Each entry under 'unit_tests:' has `name:`, `model:`, `given:` and `expect:`.",
    );
  }
  const name = entry.name;
  const location = lineOf(file, new RegExp(`name\\s*:\\s*['"]?${escapeRegExp(name)}['"]?\\s*$`));
  const refuse = (feature: string, key: string, detail: string): never => {
    throw new UnsupportedFeatureError(feature, lineAfter(file, location.line, key), `unit test ${name} sets ${detail}`);
  };
  for (const key of Object.keys(entry)) {
    if (!UNIT_TEST_KEYS.has(key)) {
      throw new ProjectConfigError(
        `Unit test '${name}' has an unknown key '${key}'.`,
        lineAfter(file, location.line, key),
      );
    }
  }
  if (entry.versions !== undefined) refuse('Unit tests of versioned models', 'versions', 'versions:');
  const overrides = asRecord(entry.overrides);
  const macros = asRecord(overrides.macros);
  for (const macro of Object.keys(macros)) {
    if (macro.includes('.')) refuse('A package-namespaced macro override', macro, `overrides.macros.${macro}`);
  }
  const envVars: Record<string, string> = {};
  for (const [key, v] of Object.entries(asRecord(overrides.env_vars))) envVars[key] = String(v);
  if (!Array.isArray(entry.given)) {
    throw new ProjectConfigError(`Unit test '${name}' has no 'given:' list.`, location);
  }
  const given = entry.given.map((g) => parseInput(asRecord(g), name, file, location, fixtures));
  const expectEntry = asRecord(entry.expect);
  if (entry.expect === undefined) throw new ProjectConfigError(`Unit test '${name}' has no 'expect:'.`, location);
  const expect = parseFixture(expectEntry, name, 'expected', file, location, fixtures);
  if (!expect) throw new ProjectConfigError(`Unit test '${name}' has no expected rows.`, location);
  const spec: UnitTestSpec = {
    name,
    model: entry.model.trim(),
    given,
    expect,
    overrides: { macros, vars: asRecord(overrides.vars), envVars },
    config: asRecord(entry.config),
    location,
  };
  if (typeof entry.description === 'string') spec.description = entry.description;
  return spec;
}

function parseInput(
  entry: Record<string, unknown>,
  testName: string,
  file: string,
  at: SourceLocation,
  fixtures: ReadonlyMap<string, string>,
): UnitTestInput {
  const input = typeof entry.input === 'string' ? entry.input.trim() : '';
  const parsed = parseInputExpression(input);
  if (!parsed) {
    throw new ProjectConfigError(
      `Unit test '${testName}' has an invalid input '${input}'.`,
      lineAfter(file, at.line, 'input'),
      "An input is `ref('model')`, `ref('package', 'model')`, `source('source', 'table')` or `this`.",
    );
  }
  return { input, ...parsed, fixture: parseFixture(entry, testName, 'input', file, at, fixtures) };
}

/** dbt reads the input statically (no Jinja): a single ref/source call or `this`. */
export function parseInputExpression(input: string): Pick<UnitTestInput, 'kind' | 'args'> | undefined {
  if (input === 'this') return { kind: 'this', args: [] };
  const match = /^(ref|source)\s*\(\s*(.*?)\s*,?\s*\)$/s.exec(input);
  if (!match) return undefined;
  const args: string[] = [];
  const argPattern = /\s*(?:'([^']*)'|"([^"]*)")\s*(?:,|$)/y;
  let rest = match[2]!;
  while (rest.length > 0) {
    argPattern.lastIndex = 0;
    const arg = argPattern.exec(rest);
    if (!arg) return undefined;
    args.push(arg[1] ?? arg[2] ?? '');
    rest = rest.slice(argPattern.lastIndex);
  }
  const kind = match[1] as 'ref' | 'source';
  if (kind === 'ref' && (args.length === 1 || args.length === 2)) return { kind, args };
  if (kind === 'source' && args.length === 2) return { kind, args };
  return undefined;
}

function parseFixture(
  entry: Record<string, unknown>,
  testName: string,
  what: 'input' | 'expected',
  file: string,
  at: SourceLocation,
  fixtures: ReadonlyMap<string, string>,
): Fixture | undefined {
  const format = entry.format === undefined ? 'dict' : String(entry.format);
  let rows = entry.rows;
  if (entry.fixture !== undefined && entry.fixture !== null && format !== 'dict') {
    // A file under <test-path>/fixtures/, named without its extension (dbt's fixture nodes).
    const path = fixtures.get(String(entry.fixture));
    if (!path) {
      throw new ProjectConfigError(
        `File not found for fixture '${String(entry.fixture)}' in unit tests in ${file}`,
        lineAfter(file, at.line, 'fixture'),
        "Fixture files live under tests/fixtures/ (each test path's fixtures folder) as <name>.csv or <name>.sql.",
      );
    }
    rows = readFileSync(path, 'utf8');
  }
  const mismatch = (expected: string) =>
    new ProjectConfigError(
      `Unit test ${testName} has ${what} rows which do not match format ${format}${expected}`,
      lineAfter(file, at.line, 'rows'),
    );
  switch (format) {
    case 'dict':
      if (rows === undefined || rows === null) return undefined;
      if (!Array.isArray(rows)) throw mismatch('');
      return { format: 'rows', rows: rows.map((r) => ({ ...asRecord(r) })) };
    case 'csv': {
      if (typeof rows !== 'string') throw mismatch('.  Expected string.');
      const records = parseCsv(rows, { columns: true, skip_empty_lines: true, relax_column_count: true }) as Record<
        string,
        string
      >[];
      // As dbt: an empty csv field is null, not ''.
      return {
        format: 'rows',
        rows: records.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === '' ? null : v]))),
      };
    }
    case 'sql':
      if (typeof rows !== 'string') throw mismatch('.  Expected string.');
      return { format: 'sql', sql: rows };
    default:
      throw new ProjectConfigError(
        `Unit test ${testName} has an unknown format '${format}'.`,
        lineAfter(file, at.line, 'format'),
        'The formats are dict (the default), csv and sql.',
      );
  }
}

/** As dbt: the first row with no null value goes first (it fixes column types on some warehouses). */
export function promoteFirstCompleteRow(rows: FixtureRow[]): FixtureRow[] {
  const index = rows.findIndex((row) => Object.values(row).every((v) => v !== null && v !== undefined));
  if (index <= 0) return rows;
  const out = [...rows];
  [out[0], out[index]] = [out[index]!, out[0]!];
  return out;
}

function lineOf(file: string, pattern: RegExp): SourceLocation {
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split(/\r?\n/) : [];
  const index = lines.findIndex((line) => pattern.test(line));
  return { file, line: index >= 0 ? index + 1 : 1 };
}

/** The first line at or after `from` (1-based) that sets `key`. */
function lineAfter(file: string, from: number, key: string): SourceLocation {
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split(/\r?\n/) : [];
  const pattern = new RegExp(`(^|[\\s{,-])['"]?${escapeRegExp(key)}['"]?\\s*:`);
  for (let i = Math.max(0, from - 1); i < lines.length; i++) if (pattern.test(lines[i]!)) return { file, line: i + 1 };
  return { file, line: from };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
