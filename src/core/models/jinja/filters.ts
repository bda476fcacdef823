import { center, memberLookup } from './python-compat';
import {
  PyTypeError,
  isDict,
  isFloat,
  isTuple,
  num,
  percentFormat,
  pyBool,
  pyEq,
  pyFloat,
  pyIterate,
  pyJsonDumps,
  pyStr,
  pyTuple,
  typeName,
  PyFloat,
} from './py-values';
import { lookupTest } from './tests';

/**
 * Jinja2's built-in filters with Jinja2's signatures and Python's semantics,
 * replacing nunjucks' own (which differ: `unique` is case-sensitive, `default`
 * replaces None, `round` returns integers, `trim` takes no characters...),
 * plus dbt's `as_bool`/`as_number`/`as_text`/`as_native`. Keyword arguments
 * arrive as a trailing object marked `__keywords`.
 */
type Filter = (value: unknown, ...args: unknown[]) => unknown;

/** Binds a filter's arguments like a Python signature: positional, then keywords, then defaults. */
function bind(args: unknown[], names: string[], defaults: Record<string, unknown> = {}): Record<string, unknown> {
  const copy = [...args];
  const last = copy[copy.length - 1];
  let keywords: Record<string, unknown> = {};
  if (typeof last === 'object' && last !== null && Object.prototype.hasOwnProperty.call(last, '__keywords')) {
    copy.pop();
    const { __keywords: _k, ...rest } = last as Record<string, unknown>;
    keywords = rest;
  }
  if (copy.length > names.length) throw new PyTypeError(`too many positional arguments`);
  const out: Record<string, unknown> = { ...defaults };
  names.forEach((name, i) => {
    if (i < copy.length) out[name] = copy[i];
  });
  for (const [k, v] of Object.entries(keywords)) {
    if (!names.includes(k)) throw new PyTypeError(`got an unexpected keyword argument '${k}'`);
    out[k] = v;
  }
  return out;
}

/** Jinja's attribute paths: `attribute='a.b'` or `attribute='0'`. */
function attributeGetter(path: unknown, fallback?: unknown): (item: unknown) => unknown {
  const parts =
    typeof path === 'number'
      ? [path]
      : String(path)
          .split('.')
          .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  return (item: unknown) => {
    let current = item;
    for (const part of parts) {
      if (current === undefined || current === null) return fallback;
      current = memberLookup(current, part);
    }
    return current === undefined ? fallback : current;
  };
}

function sortKey(value: unknown, caseSensitive: boolean): unknown {
  return !caseSensitive && typeof value === 'string' ? value.toLowerCase() : value;
}

function compareValues(a: unknown, b: unknown): number {
  if (pyEq(a, b)) return 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : 1;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareValues(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  if (
    (typeof a === 'number' || a instanceof PyFloat || typeof a === 'boolean') &&
    (typeof b === 'number' || b instanceof PyFloat || typeof b === 'boolean')
  ) {
    return num(a) - num(b);
  }
  throw new PyTypeError(`'<' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

function toList(value: unknown): unknown[] {
  return value === undefined ? [] : [...pyIterate(value)];
}

function testOrTruthy(args: unknown[]): (item: unknown) => boolean {
  if (args.length === 0) return (item) => pyBool(item);
  const [name, ...rest] = args;
  const test = lookupTest(name);
  return (item) => test(item, ...rest);
}

/**
 * What map/select/reject iterate: Jinja2's generators start with `if value:`, so None (or any
 * false value) gives nothing rather than an error. dbt_utils' equality test relies on it.
 */
function itemsOrNone(value: unknown): unknown[] {
  return pyBool(value) ? toList(value) : [];
}

function selectAttr(value: unknown, args: unknown[], keep: boolean): unknown[] {
  const [attr, ...rest] = args;
  const get = attributeGetter(attr);
  const test = testOrTruthy(rest);
  return itemsOrNone(value).filter((item) => test(get(item)) === keep);
}

function toInt(value: unknown, fallback: unknown, base: number): unknown {
  if (typeof value === 'number' || value instanceof PyFloat) return Math.trunc(num(value));
  if (typeof value === 'boolean') return value ? 1 : 0;
  const text = pyStr(value).trim().replace(/_/g, '');
  if (base === 10 && /^[-+]?\d+$/.test(text)) return Number(text);
  if (base !== 10) {
    const n = parseInt(text.replace(/^0[xob]/i, ''), base);
    if (!Number.isNaN(n)) return n;
  }
  // Jinja: int('3.5') falls back to float conversion.
  if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text)) return Math.trunc(Number(text));
  return fallback;
}

function toFloat(value: unknown, fallback: unknown): unknown {
  if (typeof value === 'number' || value instanceof PyFloat || typeof value === 'boolean') return pyFloat(num(value));
  const text = pyStr(value).trim();
  if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text)) return pyFloat(Number(text));
  if (/^[-+]?(inf|infinity|nan)$/i.test(text))
    return Number(text.replace(/inf(inity)?/i, 'Infinity').replace(/nan/i, 'NaN'));
  return fallback;
}

function pyRound(value: number, precision: number): number {
  // Python rounds half to even on the exact binary value; toFixed rounds the decimal text.
  const factor = 10 ** precision;
  const scaled = value * factor;
  const floor = Math.floor(scaled);
  const diff = scaled - floor;
  let rounded: number;
  if (Math.abs(diff - 0.5) < 1e-9 && Number(value.toFixed(precision + 3)) * factor === floor + 0.5) {
    rounded = floor % 2 === 0 ? floor : floor + 1;
  } else rounded = Math.round(scaled);
  return rounded / factor;
}

function truncate(s: string, length: number, killwords: boolean, end: string, leeway: number): string {
  if (s.length <= length + leeway) return s;
  if (killwords) return s.slice(0, length - end.length) + end;
  const cut = s.slice(0, length - end.length);
  const at = cut.lastIndexOf(' ');
  return (at < 0 ? cut : cut.slice(0, at)) + end;
}

function htmlEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&#34;')
    .replace(/'/g, '&#39;');
}

export const JINJA_FILTERS: Record<string, Filter> = {
  // Strings.
  lower: (v) => pyStr(v).toLowerCase(),
  upper: (v) => pyStr(v).toUpperCase(),
  capitalize: (v) => {
    const s = pyStr(v);
    return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
  },
  title: (v) => pyStr(v).replace(/([^\s\-([{]+)/g, (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()),
  trim: (v, ...args) => {
    const { chars } = bind(args, ['chars'], { chars: null });
    const s = pyStr(v);
    if (chars === null || chars === undefined) return s.replace(/^[\s]+|[\s]+$/g, '');
    const set = new Set(String(chars));
    let a = 0;
    let b = s.length;
    while (a < b && set.has(s[a]!)) a++;
    while (b > a && set.has(s[b - 1]!)) b--;
    return s.slice(a, b);
  },
  replace: (v, ...args) => {
    const { old, new: replacement, count } = bind(args, ['old', 'new', 'count'], { count: null });
    const parts = pyStr(v).split(pyStr(old));
    if (count === null || count === undefined) return parts.join(pyStr(replacement));
    const n = num(count);
    return (
      parts.slice(0, n + 1).join(pyStr(replacement)) +
      (parts.length > n + 1 ? pyStr(old) + parts.slice(n + 1).join(pyStr(old)) : '')
    );
  },
  center: (v, ...args) => center(pyStr(v), num(bind(args, ['width'], { width: 80 }).width)),
  truncate: (v, ...args) => {
    const a = bind(args, ['length', 'killwords', 'end', 'leeway'], {
      length: 255,
      killwords: false,
      end: '...',
      leeway: 5,
    });
    return truncate(pyStr(v), num(a.length), pyBool(a.killwords), pyStr(a.end), num(a.leeway));
  },
  wordcount: (v) => (pyStr(v).match(/\w+/g) ?? []).length,
  indent: (v, ...args) => {
    const a = bind(args, ['width', 'first', 'blank'], { width: 4, first: false, blank: false });
    const pad = typeof a.width === 'string' ? a.width : ' '.repeat(num(a.width));
    const lines = pyStr(v).split('\n');
    return lines
      .map((line, i) => ((i === 0 && !pyBool(a.first)) || (!pyBool(a.blank) && line.trim() === '') ? line : pad + line))
      .join('\n');
  },
  format: (v, ...args) => {
    const last = args[args.length - 1];
    if (typeof last === 'object' && last !== null && Object.prototype.hasOwnProperty.call(last, '__keywords')) {
      const { __keywords: _k, ...named } = last as Record<string, unknown>;
      return percentFormat(pyStr(v), named);
    }
    return percentFormat(pyStr(v), pyTuple(args));
  },
  string: (v) => pyStr(v),
  safe: (v) => pyStr(v),
  escape: (v) => htmlEscape(pyStr(v)),
  e: (v) => htmlEscape(pyStr(v)),
  forceescape: (v) => htmlEscape(pyStr(v)),
  striptags: (v) =>
    pyStr(v)
      .replace(/<[^>]*>/g, '')
      .replace(/\s+/g, ' ')
      .trim(),
  urlencode: (v) => encodeURIComponent(pyStr(v)).replace(/%2F/g, '/'),

  // Numbers.
  int: (v, ...args) => {
    const a = bind(args, ['default', 'base'], { default: 0, base: 10 });
    return toInt(v, a.default, num(a.base));
  },
  float: (v, ...args) => toFloat(v, bind(args, ['default'], { default: new PyFloat(0) }).default),
  abs: (v) => {
    if (typeof v !== 'number' && !(v instanceof PyFloat) && typeof v !== 'boolean')
      throw new PyTypeError(`bad operand type for abs(): '${typeName(v)}'`);
    return isFloat(v) ? pyFloat(Math.abs(num(v))) : Math.abs(num(v));
  },
  round: (v, ...args) => {
    const a = bind(args, ['precision', 'method'], { precision: 0, method: 'common' });
    const precision = num(a.precision);
    const value = num(v);
    const factor = 10 ** precision;
    let result: number;
    // round() of an int with method 'common' stays an int, as in Python.
    if (a.method === 'common' && !isFloat(v)) return typeof v === 'boolean' ? num(v) : v;
    if (a.method === 'common') result = pyRound(value, precision);
    else if (a.method === 'ceil') result = Math.ceil(value * factor) / factor;
    else if (a.method === 'floor') result = Math.floor(value * factor) / factor;
    else throw new Error('method must be common, ceil or floor');
    return pyFloat(result);
  },
  filesizeformat: (v) => `${pyStr(v)} Bytes`,

  // Sequences.
  length: (v) => (v === undefined ? 0 : lengthOf(v)),
  count: (v) => (v === undefined ? 0 : lengthOf(v)),
  list: (v) => toList(v),
  first: (v) => toList(v)[0],
  last: (v) => {
    const items = toList(v);
    return items[items.length - 1];
  },
  reverse: (v) => (typeof v === 'string' ? [...v].reverse().join('') : toList(v).reverse()),
  join: (v, ...args) => {
    const a = bind(args, ['d', 'attribute'], { d: '', attribute: null });
    let items = toList(v);
    if (a.attribute !== null && a.attribute !== undefined) items = items.map(attributeGetter(a.attribute));
    return items.map(pyStr).join(pyStr(a.d));
  },
  sort: (v, ...args) => {
    const a = bind(args, ['reverse', 'case_sensitive', 'attribute'], {
      reverse: false,
      case_sensitive: false,
      attribute: null,
    });
    const get = a.attribute === null || a.attribute === undefined ? (x: unknown) => x : attributeGetter(a.attribute);
    const cs = pyBool(a.case_sensitive);
    const sorted = toList(v).sort((x, y) => compareValues(sortKey(get(x), cs), sortKey(get(y), cs)));
    return pyBool(a.reverse) ? sorted.reverse() : sorted;
  },
  dictsort: (v, ...args) => {
    const a = bind(args, ['case_sensitive', 'by', 'reverse'], { case_sensitive: false, by: 'key', reverse: false });
    if (!isDict(v)) throw new PyTypeError('dictsort: a mapping is required');
    const pos = a.by === 'value' ? 1 : 0;
    const cs = pyBool(a.case_sensitive);
    const items = Object.keys(v)
      .filter((k) => k !== '__keywords')
      .map((k) => pyTuple([k, v[k]]));
    items.sort((x, y) => compareValues(sortKey(x[pos], cs), sortKey(y[pos], cs)));
    return pyBool(a.reverse) ? items.reverse() : items;
  },
  unique: (v, ...args) => {
    const a = bind(args, ['case_sensitive', 'attribute'], { case_sensitive: false, attribute: null });
    const get = a.attribute === null || a.attribute === undefined ? (x: unknown) => x : attributeGetter(a.attribute);
    const seen: unknown[] = [];
    const out: unknown[] = [];
    for (const item of toList(v)) {
      const key = sortKey(get(item), pyBool(a.case_sensitive));
      if (!seen.some((s) => pyEq(s, key))) {
        seen.push(key);
        out.push(item);
      }
    }
    return out;
  },
  min: (v, ...args) => extreme(v, args, -1),
  max: (v, ...args) => extreme(v, args, 1),
  sum: (v, ...args) => {
    const a = bind(args, ['attribute', 'start'], { attribute: null, start: 0 });
    const get = a.attribute === null || a.attribute === undefined ? (x: unknown) => x : attributeGetter(a.attribute);
    let total: unknown = a.start;
    let float = isFloat(total);
    let sum = num(total);
    for (const item of toList(v)) {
      const x = get(item);
      if (typeof x !== 'number' && !(x instanceof PyFloat) && typeof x !== 'boolean') {
        throw new PyTypeError(`unsupported operand type(s) for +: '${typeName(total)}' and '${typeName(x)}'`);
      }
      float = float || isFloat(x);
      sum += num(x);
      total = sum;
    }
    return float ? pyFloat(sum) : sum;
  },
  batch: (v, ...args) => {
    const a = bind(args, ['linecount', 'fill_with'], { linecount: 1, fill_with: null });
    const n = num(a.linecount);
    const items = toList(v);
    const out: unknown[][] = [];
    for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
    const lastBatch = out[out.length - 1];
    if (a.fill_with !== null && a.fill_with !== undefined && lastBatch && lastBatch.length < n) {
      while (lastBatch.length < n) lastBatch.push(a.fill_with);
    }
    return out;
  },
  slice: (v, ...args) => {
    const a = bind(args, ['slices', 'fill_with'], { fill_with: null });
    const items = toList(v);
    const slices = num(a.slices);
    const per = Math.floor(items.length / slices);
    const extra = items.length % slices;
    const out: unknown[][] = [];
    let offset = 0;
    for (let i = 0; i < slices; i++) {
      const size = per + (i < extra ? 1 : 0);
      const part = items.slice(offset, offset + size);
      offset += size;
      if (a.fill_with !== null && a.fill_with !== undefined && i >= extra && extra > 0) part.push(a.fill_with);
      out.push(part);
    }
    return out;
  },
  items: (v) => {
    if (v === undefined) return [];
    if (!isDict(v)) throw new PyTypeError(`Can only get item pairs from a mapping.`);
    return Object.keys(v)
      .filter((k) => k !== '__keywords')
      .map((k) => pyTuple([k, v[k]]));
  },
  map: (v, ...args) => {
    const last = args[args.length - 1];
    if (typeof last === 'object' && last !== null && Object.prototype.hasOwnProperty.call(last, 'attribute')) {
      const a = bind(args, ['attribute', 'default'], { default: undefined });
      return itemsOrNone(v).map(attributeGetter(a.attribute, a.default));
    }
    const [name, ...rest] = args;
    const filter = typeof name === 'string' ? JINJA_FILTERS[name] : undefined;
    if (!filter) throw new Error(`No filter named '${String(name)}'.`);
    return itemsOrNone(v).map((item) => filter(item, ...rest));
  },
  select: (v, ...args) => itemsOrNone(v).filter(testOrTruthy(args)),
  reject: (v, ...args) => {
    const test = testOrTruthy(args);
    return itemsOrNone(v).filter((item) => !test(item));
  },
  selectattr: (v, ...args) => selectAttr(v, args, true),
  rejectattr: (v, ...args) => selectAttr(v, args, false),
  groupby: (v, ...args) => {
    const a = bind(args, ['attribute', 'default', 'case_sensitive'], { default: undefined, case_sensitive: false });
    const get = attributeGetter(a.attribute, a.default);
    const cs = pyBool(a.case_sensitive);
    const items = toList(v).sort((x, y) => compareValues(sortKey(get(x), cs), sortKey(get(y), cs)));
    const groups: Array<{ grouper: unknown; list: unknown[] }> = [];
    for (const item of items) {
      const key = sortKey(get(item), cs);
      const group = groups[groups.length - 1];
      if (group && pyEq(sortKey(group.grouper, cs), key)) group.list.push(item);
      else groups.push({ grouper: get(item), list: [item] });
    }
    // Jinja's groups are named tuples: `grouper, list` unpack, `.grouper`/`.list` read.
    return groups.map((g) => {
      const tuple = pyTuple([g.grouper, g.list]) as unknown[] & Record<string, unknown>;
      tuple.grouper = g.grouper;
      tuple.list = g.list;
      return tuple;
    });
  },
  attr: (v, name) => {
    // Jinja's attr() reads attributes only, never dict items.
    if (isDict(v) || v === undefined || v === null) return undefined;
    return memberLookup(v, name);
  },
  default: (v, ...args) => {
    const a = bind(args, ['default_value', 'boolean'], { default_value: '', boolean: false });
    if (v === undefined || (pyBool(a.boolean) && !pyBool(v))) return a.default_value;
    return v;
  },
  tojson: (v, ...args) => {
    const a = bind(args, ['indent'], { indent: null });
    if (a.indent !== null && a.indent !== undefined)
      throw new Error(`tojson(indent=...) is not supported by the built-in runner`);
    return pyJsonDumps(v, true)
      .replace(/</g, '\\u003c')
      .replace(/>/g, '\\u003e')
      .replace(/&/g, '\\u0026')
      .replace(/'/g, '\\u0027');
  },
  pprint: (v) => pyStr(v),

  // dbt's native-rendering markers; as text they pass values through.
  as_bool: (v) => v,
  as_number: (v) => v,
  as_text: (v) => v,
  as_native: (v) => v,
  is_list: (v) => Array.isArray(v) && !isTuple(v),
};
JINJA_FILTERS.d = JINJA_FILTERS.default!;

function lengthOf(v: unknown): number {
  if (typeof v === 'string' || v instanceof String) return [...String(v)].length;
  if (Array.isArray(v)) return v.length;
  if (v instanceof Set || v instanceof Map) return v.size;
  if (isDict(v)) return Object.keys(v).filter((k) => k !== '__keywords').length;
  if (v !== null && typeof v === 'object' && typeof (v as { length?: unknown }).length === 'number') {
    return (v as { length: number }).length;
  }
  throw new PyTypeError(`object of type '${typeName(v)}' has no len()`);
}

function extreme(v: unknown, args: unknown[], sign: number): unknown {
  const a = bind(args, ['case_sensitive', 'attribute'], { case_sensitive: false, attribute: null });
  const get = a.attribute === null || a.attribute === undefined ? (x: unknown) => x : attributeGetter(a.attribute);
  const cs = pyBool(a.case_sensitive);
  let best: unknown;
  let found = false;
  for (const item of toList(v)) {
    if (!found || compareValues(sortKey(get(item), cs), sortKey(get(best), cs)) * sign > 0) {
      best = item;
      found = true;
    }
  }
  return found ? best : undefined;
}
