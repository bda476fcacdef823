import nunjucks from 'nunjucks';
import { installJinjaCodegen } from './codegen';
import {
  PyTypeError,
  dictKeyOf,
  isDict,
  isTuple,
  keyObject,
  num,
  percentFormat,
  pyEq,
  pyIterate,
  pyRepr,
  pyStr,
  pyTuple,
  rememberKey,
  typeName,
} from './py-values';
import { installJinjaSyntax } from './syntax';
import { UndefinedError } from './undefined';

/**
 * Attribute and item access with Python's semantics: string, list and dict
 * methods (`'x'.upper()`, `cols.append(c)`, `d.items()`), negative indexes
 * and slices, and an error when reading an attribute of an undefined name
 * (Jinja raises; nunjucks printed nothing).
 *
 * nunjucks resolves members through one function on its shared runtime, so
 * this is a process-wide patch, applied once, together with the parser and
 * code-generation patches; nothing else in the product renders nunjucks
 * templates.
 */
let installed = false;

type Lookup = (obj: unknown, ...rest: unknown[]) => unknown;

export { UndefinedError };

export function installPythonCompat(): void {
  if (installed) return;
  installed = true;
  // After jinja-compat (True/False/None names), whose slice parsing the syntax layer replaces.
  nunjucks.installJinjaCompat();
  installJinjaSyntax();
  installJinjaCodegen();
  const runtime = (nunjucks as unknown as { runtime: { memberLookup: Lookup } }).runtime;
  runtime.memberLookup = memberLookup;
}

export function memberLookup(obj: unknown, key: unknown, ...slice: unknown[]): unknown {
  if (obj === undefined) {
    throw new UndefinedError(`an undefined value has no attribute '${pyStr(key)}'`);
  }
  if (obj === null) return undefined;
  if (slice.length === 2) return sliceOf(obj, key, slice[0], slice[1]);
  if (typeof obj === 'string' || obj instanceof String) return stringMember(String(obj), key);
  if (Array.isArray(obj)) return listMember(obj, key);
  if (isDict(obj)) return dictMember(obj, key);
  if (typeof key !== 'string' && typeof key !== 'number') return undefined;
  const member = (obj as Record<string | number, unknown>)[key];
  if (typeof member === 'function' && !(typeof key === 'string' && key in Object.prototype)) {
    return (...args: unknown[]) => (member as (...a: unknown[]) => unknown).apply(obj, args);
  }
  if (typeof key === 'string' && key in Object.prototype && !Object.prototype.hasOwnProperty.call(obj, key))
    return undefined;
  return member;
}

function index(length: number, key: number): number | undefined {
  if (!Number.isInteger(key)) return undefined;
  const i = key < 0 ? key + length : key;
  return i >= 0 && i < length ? i : undefined;
}

function sliceIndexes(length: number, start: unknown, stop: unknown, step: unknown): number[] {
  const s = step === null || step === undefined ? 1 : num(step);
  if (s === 0) throw new Error('slice step cannot be zero');
  const clamp = (v: unknown, dflt: number, lo: number, hi: number) => {
    if (v === null || v === undefined) return dflt;
    let n = num(v);
    if (n < 0) n += length;
    return Math.min(Math.max(n, lo), hi);
  };
  const out: number[] = [];
  if (s > 0) {
    const a = clamp(start, 0, 0, length);
    const b = clamp(stop, length, 0, length);
    for (let i = a; i < b; i += s) out.push(i);
  } else {
    const a = clamp(start, length - 1, -1, length - 1);
    const b = clamp(stop, -1, -1, length - 1);
    for (let i = a; i > b; i += s) out.push(i);
  }
  return out;
}

function sliceOf(obj: unknown, start: unknown, stop: unknown, step: unknown): unknown {
  if (typeof obj === 'string' || obj instanceof String) {
    const chars = [...String(obj)];
    return sliceIndexes(chars.length, start, stop, step)
      .map((i) => chars[i])
      .join('');
  }
  if (Array.isArray(obj)) {
    const items = sliceIndexes(obj.length, start, stop, step).map((i) => obj[i] as unknown);
    return isTuple(obj) ? pyTuple(items) : items;
  }
  throw new PyTypeError(`'${typeName(obj)}' object is not subscriptable`);
}

function stringMember(s: string, key: unknown): unknown {
  if (typeof key === 'number') {
    const chars = [...s];
    const i = index(chars.length, key);
    return i === undefined ? undefined : chars[i];
  }
  if (typeof key === 'string' && Object.prototype.hasOwnProperty.call(STRING_METHODS, key)) {
    const method = STRING_METHODS[key]!;
    return (...args: unknown[]) => method(s, ...args);
  }
  return undefined;
}

function listMember(list: unknown[], key: unknown): unknown {
  if (typeof key === 'number') {
    const i = index(list.length, key);
    return i === undefined ? undefined : list[i];
  }
  if (typeof key === 'string' && Object.prototype.hasOwnProperty.call(LIST_METHODS, key)) {
    if (isTuple(list) && !['index', 'count'].includes(key)) return undefined;
    const method = LIST_METHODS[key]!;
    return (...args: unknown[]) => method(list, ...args);
  }
  // Query rows are lists with named columns too (row['name']).
  if (typeof key === 'string' && Object.prototype.hasOwnProperty.call(list, key))
    return (list as unknown as Record<string, unknown>)[key];
  return undefined;
}

function dictMember(dict: Record<string, unknown>, key: unknown): unknown {
  const name = typeof key === 'number' ? String(key) : (dictKeyOf(key) ?? key);
  if (typeof name === 'string' && name !== '__keywords' && Object.prototype.hasOwnProperty.call(dict, name)) {
    return dict[name];
  }
  if (typeof key === 'string' && Object.prototype.hasOwnProperty.call(DICT_METHODS, key)) {
    const method = DICT_METHODS[key]!;
    return (...args: unknown[]) => method(dict, ...args);
  }
  return undefined;
}

function keywordsOf(args: unknown[]): Record<string, unknown> | undefined {
  const last = args[args.length - 1];
  if (typeof last === 'object' && last !== null && Object.prototype.hasOwnProperty.call(last, '__keywords')) {
    args.pop();
    const { __keywords: _k, ...rest } = last as Record<string, unknown>;
    return rest;
  }
  return undefined;
}

const LIST_METHODS: Record<string, (list: unknown[], ...args: unknown[]) => unknown> = {
  append: (l, x) => {
    l.push(x);
    return null;
  },
  extend: (l, items) => {
    l.push(...pyIterate(items));
    return null;
  },
  insert: (l, i, x) => {
    const at = num(i) < 0 ? Math.max(0, l.length + num(i)) : Math.min(num(i), l.length);
    l.splice(at, 0, x);
    return null;
  },
  pop: (l, i) => {
    if (l.length === 0) throw new Error('pop from empty list');
    const at = i === undefined ? l.length - 1 : index(l.length, num(i));
    if (at === undefined) throw new Error('pop index out of range');
    return l.splice(at, 1)[0];
  },
  remove: (l, x) => {
    const at = l.findIndex((v) => pyEq(v, x));
    if (at < 0) throw new Error('list.remove(x): x not in list');
    l.splice(at, 1);
    return null;
  },
  index: (l, x) => {
    const at = l.findIndex((v) => pyEq(v, x));
    if (at < 0) throw new Error(`${pyRepr(x)} is not in list`);
    return at;
  },
  count: (l, x) => l.filter((v) => pyEq(v, x)).length,
  reverse: (l) => {
    l.reverse();
    return null;
  },
  copy: (l) => [...l],
  clear: (l) => {
    l.length = 0;
    return null;
  },
};

const DICT_METHODS: Record<string, (d: Record<string, unknown>, ...args: unknown[]) => unknown> = {
  items: (d) => keys(d).map((k) => pyTuple([keyObject(d, k), d[k]])),
  keys: (d) => keys(d).map((k) => keyObject(d, k)),
  values: (d) => keys(d).map((k) => d[k]),
  get: (d, k, fallback = null) => {
    const key = dictKeyOf(k);
    return key !== undefined && Object.prototype.hasOwnProperty.call(d, key) && key !== '__keywords'
      ? d[key]
      : fallback;
  },
  update: (d, ...args) => {
    const kw = keywordsOf(args);
    const other = args[0];
    if (isDict(other))
      for (const k of keys(other)) {
        d[k] = other[k];
        rememberKey(d, k, keyObject(other, k));
      }
    else if (Array.isArray(other)) for (const pair of other) d[String((pair as unknown[])[0])] = (pair as unknown[])[1];
    if (kw) Object.assign(d, kw);
    return null;
  },
  pop: (d, k, ...fallback) => {
    const key = dictKeyOf(k) ?? String(k);
    if (Object.prototype.hasOwnProperty.call(d, key)) {
      const v = d[key];
      delete d[key];
      return v;
    }
    if (fallback.length) return fallback[0];
    throw new Error(`KeyError: ${pyRepr(k)}`);
  },
  setdefault: (d, k, fallback = null) => {
    const key = dictKeyOf(k) ?? String(k);
    if (!Object.prototype.hasOwnProperty.call(d, key)) {
      d[key] = fallback;
      rememberKey(d, key, k);
    }
    return d[key];
  },
  copy: (d) => ({ ...d }),
};

function keys(d: Record<string, unknown>): string[] {
  return Object.keys(d).filter((k) => k !== '__keywords');
}

const WHITESPACE = ' \t\n\r\x0b\x0c';

const STRING_METHODS: Record<string, (s: string, ...args: unknown[]) => unknown> = {
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  strip: (s, chars) => stripChars(s, chars, true, true),
  lstrip: (s, chars) => stripChars(s, chars, true, false),
  rstrip: (s, chars) => stripChars(s, chars, false, true),
  startswith: (s, prefix) =>
    Array.isArray(prefix) ? prefix.some((p) => s.startsWith(String(p))) : s.startsWith(String(prefix)),
  endswith: (s, suffix) =>
    Array.isArray(suffix) ? suffix.some((p) => s.endsWith(String(p))) : s.endsWith(String(suffix)),
  replace: (s, old, replacement, count) => {
    const parts = s.split(String(old));
    if (count === undefined || num(count) < 0) return parts.join(String(replacement));
    const n = num(count);
    return (
      parts.slice(0, n + 1).join(String(replacement)) +
      (parts.length > n + 1 ? String(old) + parts.slice(n + 1).join(String(old)) : '')
    );
  },
  split: (s, sep, maxsplit) => pySplit(s, sep, maxsplit),
  rsplit: (s, sep, maxsplit) => {
    if (maxsplit === undefined || num(maxsplit) < 0) return pySplit(s, sep, undefined);
    const rev = (x: string) => [...x].reverse().join('');
    const r = sep === undefined || sep === null ? undefined : rev(String(sep));
    return pySplit(rev(s), r, maxsplit).map(rev).reverse();
  },
  splitlines: (s) => s.split(/\r\n|\r|\n/).filter((_, i, a) => i < a.length - 1 || a[i] !== ''),
  join: (s, items) =>
    pyIterate(items)
      .map((x) => {
        if (typeof x !== 'string') throw new PyTypeError(`sequence item: expected str instance, ${typeName(x)} found`);
        return x;
      })
      .join(s),
  title: (s) => s.replace(/[A-Za-z]+/g, (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()),
  capitalize: (s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
  swapcase: (s) => [...s].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''),
  find: (s, sub) => s.indexOf(String(sub)),
  rfind: (s, sub) => s.lastIndexOf(String(sub)),
  index: (s, sub) => {
    const at = s.indexOf(String(sub));
    if (at < 0) throw new Error('substring not found');
    return at;
  },
  count: (s, sub) => (String(sub) === '' ? s.length + 1 : s.split(String(sub)).length - 1),
  isdigit: (s) => /^\d+$/.test(s),
  isnumeric: (s) => /^\d+$/.test(s),
  isdecimal: (s) => /^\d+$/.test(s),
  isalpha: (s) => /^[A-Za-z]+$/.test(s),
  isalnum: (s) => /^[A-Za-z0-9]+$/.test(s),
  isspace: (s) => /^\s+$/.test(s),
  isupper: (s) => /[A-Z]/.test(s) && s === s.toUpperCase(),
  islower: (s) => /[a-z]/.test(s) && s === s.toLowerCase(),
  zfill: (s, width) => {
    const sign = /^[-+]/.test(s) ? s[0]! : '';
    return sign + s.slice(sign.length).padStart(num(width) - sign.length, '0');
  },
  ljust: (s, width, fill = ' ') => s.padEnd(num(width), String(fill)),
  rjust: (s, width, fill = ' ') => s.padStart(num(width), String(fill)),
  center: (s, width, fill = ' ') => center(s, num(width), String(fill)),
  format: (s, ...args) => pyFormat(s, args),
  removeprefix: (s, p) => (s.startsWith(String(p)) ? s.slice(String(p).length) : s),
  removesuffix: (s, p) => (String(p) && s.endsWith(String(p)) ? s.slice(0, -String(p).length) : s),
  partition: (s, sep) => {
    const at = s.indexOf(String(sep));
    return at < 0 ? pyTuple([s, '', '']) : pyTuple([s.slice(0, at), String(sep), s.slice(at + String(sep).length)]);
  },
  encode: (s) => s,
  __mod__: (s, args) => percentFormat(s, args),
};

/** Python's str.center: the extra space goes left when the padding is odd and the width is odd. */
export function center(s: string, width: number, fill = ' '): string {
  if (width <= s.length) return s;
  const total = width - s.length;
  const left = Math.floor(total / 2) + (total & width & 1);
  return fill.repeat(left) + s + fill.repeat(total - left);
}

function stripChars(s: string, chars: unknown, left: boolean, right: boolean): string {
  const set = new Set(chars === undefined || chars === null ? WHITESPACE : String(chars));
  let start = 0;
  let end = s.length;
  if (left) while (start < end && set.has(s[start]!)) start++;
  if (right) while (end > start && set.has(s[end - 1]!)) end--;
  return s.slice(start, end);
}

function pySplit(s: string, sep: unknown, maxsplit: unknown): string[] {
  const limit = typeof maxsplit === 'number' && maxsplit >= 0 ? maxsplit : -1;
  if (sep === undefined || sep === null) {
    const parts: string[] = [];
    let rest = s.replace(/^\s+/, '');
    while (rest !== '') {
      if (limit >= 0 && parts.length === limit) {
        parts.push(rest.replace(/\s+$/, ''));
        break;
      }
      const m = /\s+/.exec(rest);
      if (!m) {
        parts.push(rest);
        break;
      }
      parts.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    return parts;
  }
  if (String(sep) === '') throw new Error('empty separator');
  const all = s.split(String(sep));
  if (limit < 0 || all.length <= limit + 1) return all;
  return [...all.slice(0, limit), all.slice(limit).join(String(sep))];
}

/** `'{} and {name}'.format(1, name=2)`: positional, indexed and keyword fields, attribute/index access. */
function pyFormat(template: string, args: unknown[]): string {
  const kwargs = keywordsOf(args) ?? {};
  let auto = 0;
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (match, field: string | undefined) => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    const [ref, spec] = splitOnce(field ?? '', ':');
    const [base, conversion] = splitOnce(ref, '!');
    const head = /^[^.[]*/.exec(base)![0];
    let value: unknown = head === '' ? args[auto++] : /^\d+$/.test(head) ? args[Number(head)] : kwargs[head];
    for (const m of base.slice(head.length).matchAll(/\.(\w+)|\[([^\]]+)\]/g)) {
      value = memberLookup(value, m[1] ?? (/^\d+$/.test(m[2]!) ? Number(m[2]) : m[2]));
    }
    const text = conversion === 'r' ? pyRepr(value) : spec ? formatSpec(value, spec) : pyStr(value);
    return text;
  });
}

function splitOnce(s: string, sep: string): [string, string] {
  const at = s.indexOf(sep);
  return at < 0 ? [s, ''] : [s.slice(0, at), s.slice(at + 1)];
}

/** The common format-spec subset: fill/align, width, precision, `d`/`f`/`s`. */
function formatSpec(value: unknown, spec: string): string {
  const m = /^(?:(.)?([<>^=]))?([+\- ])?(0)?(\d+)?(,)?(?:\.(\d+))?([sdfeg%])?$/.exec(spec);
  if (!m) throw new Error(`Invalid format specifier '${spec}'`);
  const [, fillChar, align, , zero, widthText, comma, precision, type] = m;
  let text: string;
  if (type === 'f' || (precision !== undefined && typeof value !== 'string'))
    text = num(value).toFixed(Number(precision ?? 6));
  else if (type === 'd') text = String(Math.trunc(num(value)));
  else if (type === '%') text = `${(num(value) * 100).toFixed(Number(precision ?? 6))}%`;
  else text = pyStr(value);
  if (comma) text = text.replace(/^(-?\d+)/, (d) => d.replace(/\B(?=(\d{3})+(?!\d))/g, ','));
  const width = Number(widthText ?? 0);
  const fill = fillChar ?? (zero ? '0' : ' ');
  const alignment = align ?? (zero ? '=' : typeof value === 'string' ? '<' : '>');
  if (text.length >= width) return text;
  if (alignment === '<') return text.padEnd(width, fill);
  if (alignment === '^') return center(text, width, fill);
  return text.padStart(width, fill);
}

export function isKeywordArgs(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && (value as { __keywords?: boolean }).__keywords === true;
}

/** A call's arguments by parameter name, Python-style: keyword arguments win over positions. */
export function namedArgs(args: unknown[], names: readonly string[]): Record<string, unknown> {
  const last = args[args.length - 1];
  const kwargs = isKeywordArgs(last) ? (last as Record<string, unknown>) : {};
  const positional = isKeywordArgs(last) ? args.slice(0, -1) : args;
  const out: Record<string, unknown> = {};
  names.forEach((name, i) => {
    out[name] = name in kwargs ? kwargs[name] : positional[i];
  });
  return out;
}
