import nunjucks from 'nunjucks';

/**
 * dbt templates call Python methods on strings and lists (`'x'.upper()`,
 * `name.startswith('stg_')`, `cols.extend(other)`). nunjucks' own Jinja
 * compatibility covers dict and list methods and slices; this adds the string
 * methods and fixes string slices (nunjucks returns a list of characters).
 *
 * nunjucks resolves members through one function on its shared runtime, so
 * this is a process-wide patch, applied once; nothing else in the product
 * renders nunjucks templates.
 */
let installed = false;

type Lookup = (obj: unknown, ...rest: unknown[]) => unknown;

export function installPythonCompat(): void {
  if (installed) return;
  installed = true;
  nunjucks.installJinjaCompat();
  const runtime = (nunjucks as unknown as { runtime: { memberLookup: Lookup; SafeString: new (s: string) => unknown } })
    .runtime;
  const compatLookup = runtime.memberLookup;
  runtime.memberLookup = function memberLookup(this: unknown, obj: unknown, ...rest: unknown[]): unknown {
    const isString = typeof obj === 'string' || obj instanceof runtime.SafeString;
    if (isString) {
      const text = String(obj);
      if (rest.length === 3) {
        // obj[start:stop:step]
        const sliced = compatLookup.call(this, text, ...rest);
        return Array.isArray(sliced) ? sliced.join('') : sliced;
      }
      const name = rest[0];
      if (typeof name === 'string' && Object.prototype.hasOwnProperty.call(STRING_METHODS, name)) {
        const method = STRING_METHODS[name]!;
        return (...args: unknown[]) => method(text, ...args);
      }
    }
    if (Array.isArray(obj) && rest.length === 1 && rest[0] === 'extend') {
      return (items: unknown) => {
        if (Array.isArray(items)) obj.push(...items);
        return '';
      };
    }
    if (rest.length === 1 && obj !== null && typeof obj === 'object' && !Array.isArray(obj)) {
      // An object's own method (a query column's values(), a relation's include())
      // wins over the dict methods the compat layer adds (dict.values(), dict.get()).
      const name = rest[0];
      const member = (obj as Record<string, unknown>)[name as string];
      if (typeof member === 'function' && !(typeof name === 'string' && name in Object.prototype)) {
        return (...args: unknown[]) => (member as (...a: unknown[]) => unknown).apply(obj, args);
      }
    }
    return compatLookup.call(this, obj, ...rest);
  };
}

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
  replace: (s, old, replacement) => s.split(String(old)).join(String(replacement)),
  split: (s, sep, maxsplit) => pySplit(s, sep, maxsplit),
  join: (s, items) => (Array.isArray(items) ? items.map(String).join(s) : ''),
  title: (s) => s.replace(/\w\S*/g, (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()),
  capitalize: (s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
  find: (s, sub) => s.indexOf(String(sub)),
  count: (s, sub) => (String(sub) === '' ? s.length + 1 : s.split(String(sub)).length - 1),
  isdigit: (s) => /^\d+$/.test(s),
  isalpha: (s) => /^[A-Za-z]+$/.test(s),
  isalnum: (s) => /^[A-Za-z0-9]+$/.test(s),
  isupper: (s) => s !== s.toLowerCase() && s === s.toUpperCase(),
  islower: (s) => s !== s.toUpperCase() && s === s.toLowerCase(),
  zfill: (s, width) => s.padStart(Number(width), '0'),
  format: (s, ...args) => pyFormat(s, args),
};

function stripChars(s: string, chars: unknown, left: boolean, right: boolean): string {
  if (chars === undefined || chars === null) {
    if (left && right) return s.trim();
    return left ? s.trimStart() : s.trimEnd();
  }
  const set = new Set(String(chars));
  let start = 0;
  let end = s.length;
  if (left) while (start < end && set.has(s[start]!)) start++;
  if (right) while (end > start && set.has(s[end - 1]!)) end--;
  return s.slice(start, end);
}

function pySplit(s: string, sep: unknown, maxsplit: unknown): string[] {
  const limit = typeof maxsplit === 'number' && maxsplit >= 0 ? maxsplit : -1;
  if (sep === undefined || sep === null) {
    const parts = s
      .trim()
      .split(/\s+/)
      .filter((p) => p !== '');
    if (limit < 0 || parts.length <= limit + 1) return parts;
    return [...parts.slice(0, limit), parts.slice(limit).join(' ')];
  }
  const all = s.split(String(sep));
  if (limit < 0 || all.length <= limit + 1) return all;
  return [...all.slice(0, limit), all.slice(limit).join(String(sep))];
}

/** `'{} and {name}'.format(1, name=2)`: positional, indexed and keyword fields. */
function pyFormat(template: string, args: unknown[]): string {
  const last = args[args.length - 1];
  const kwargs = isKeywordArgs(last) ? (args.pop() as Record<string, unknown>) : {};
  let auto = 0;
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (match, field: string | undefined) => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    const key = (field ?? '').split(':')[0]!;
    if (key === '') return String(args[auto++] ?? '');
    if (/^\d+$/.test(key)) return String(args[Number(key)] ?? '');
    return String(kwargs[key] ?? '');
  });
}

export function isKeywordArgs(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && (value as { __keywords?: boolean }).__keywords === true;
}
