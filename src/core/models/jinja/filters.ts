import { isKeywordArgs } from './python-compat';

/**
 * Jinja2 filters that dbt projects use and nunjucks lacks (or has with a
 * narrower signature). Keyword arguments arrive as a trailing object marked
 * `__keywords`.
 */
export const JINJA_FILTERS: Record<string, (...args: unknown[]) => unknown> = {
  format: (value: unknown, ...args: unknown[]) => percentFormat(String(value), args),
  tojson: (value: unknown) => JSON.stringify(value, jsonReplacer),
  fromjson: (value: unknown) => JSON.parse(String(value)),
  map: (items: unknown, ...args: unknown[]) => mapFilter(items, args),
  selectattr: (items: unknown, ...args: unknown[]) => selectAttr(items, args, true),
  rejectattr: (items: unknown, ...args: unknown[]) => selectAttr(items, args, false),
  unique: (items: unknown) => (Array.isArray(items) ? [...new Set(items)] : items),
  items: (value: unknown) =>
    typeof value === 'object' && value !== null ? Object.entries(value).map(([k, v]) => [k, v]) : [],
  as_bool: (value: unknown) => value === true || String(value).toLowerCase() === 'true',
  as_number: (value: unknown) => Number(value),
  as_text: (value: unknown) => String(value ?? ''),
  as_native: (value: unknown) => value,
};

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value && typeof value === 'object' && '__keywords' in value) {
    const { __keywords: _k, ...rest } = value as Record<string, unknown>;
    return rest;
  }
  return value;
}

/** `'%s_%d' | format(a, b)`: Python %-formatting for the common conversions. */
function percentFormat(template: string, args: unknown[]): string {
  let index = 0;
  return template.replace(/%([%sdifr])/g, (_m, conv: string) => {
    if (conv === '%') return '%';
    const value = args[index++];
    if (conv === 'd' || conv === 'i') return String(Math.trunc(Number(value)));
    if (conv === 'r') return typeof value === 'string' ? `'${value}'` : String(value);
    return String(value ?? '');
  });
}

function attribute(item: unknown, path: string): unknown {
  let current: unknown = item;
  for (const part of path.split('.')) {
    if (current === null || current === undefined) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function mapFilter(items: unknown, args: unknown[]): unknown[] {
  if (!Array.isArray(items)) return [];
  const kwargs = isKeywordArgs(args[args.length - 1]) ? (args.pop() as Record<string, unknown>) : {};
  if (typeof kwargs.attribute === 'string') {
    const name = kwargs.attribute;
    return items.map((item) => attribute(item, name) ?? kwargs.default);
  }
  const filterName = args[0];
  const filter = typeof filterName === 'string' ? (JINJA_FILTERS[filterName] ?? SIMPLE_FILTERS[filterName]) : undefined;
  if (!filter) throw new Error(`map(): unknown filter '${String(filterName)}'`);
  return items.map((item) => filter(item, ...args.slice(1)));
}

// Filters map() may name; nunjucks' own are not reachable from here.
const SIMPLE_FILTERS: Record<string, (value: unknown) => unknown> = {
  lower: (v) => String(v).toLowerCase(),
  upper: (v) => String(v).toUpperCase(),
  trim: (v) => String(v).trim(),
  string: (v) => String(v),
  int: (v) => Math.trunc(Number(v)),
  float: (v) => Number(v),
  length: (v) => (Array.isArray(v) || typeof v === 'string' ? v.length : 0),
};

const TESTS: Record<string, (value: unknown, arg?: unknown) => boolean> = {
  defined: (v) => v !== undefined,
  undefined: (v) => v === undefined,
  none: (v) => v === null || v === undefined,
  equalto: (v, a) => v === a,
  eq: (v, a) => v === a,
  ne: (v, a) => v !== a,
  in: (v, a) => Array.isArray(a) && a.includes(v),
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number',
  true: (v) => v === true,
  false: (v) => v === false,
};

function selectAttr(items: unknown, args: unknown[], keep: boolean): unknown[] {
  if (!Array.isArray(items)) return [];
  const [name, testName, testArg] = args as [string, string | undefined, unknown];
  return items.filter((item) => {
    const value = attribute(item, String(name));
    let ok: boolean;
    if (testName === undefined) ok = Boolean(value);
    else {
      const test = TESTS[testName];
      if (!test) throw new Error(`selectattr(): unknown test '${testName}'`);
      ok = test(value, testArg);
    }
    return ok === keep;
  });
}
