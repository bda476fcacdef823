/**
 * Python value semantics for templates: how Jinja2 prints, compares, adds and
 * tests truth of values. nunjucks does all of these the JavaScript way
 * (`[]` is true, `True` prints `true`, `'-' * 3` is NaN), which changes SQL
 * silently; the compiled templates call these instead (see codegen.ts).
 */

/** A Python float whose value is integral (`1.0`, `10 / 2`): prints `5.0`, computes as 5. */
export class PyFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  toString(): string {
    return floatRepr(this.value);
  }
  toJSON(): number {
    return this.value;
  }
}

const TUPLE = Symbol('tuple');

/** A tuple literal `(a, b)`: a JavaScript array that prints with parentheses. */
export function pyTuple(items: unknown[]): unknown[] {
  Object.defineProperty(items, TUPLE, { value: true });
  return items;
}

export function isTuple(value: unknown): boolean {
  return Array.isArray(value) && (value as unknown as Record<symbol, unknown>)[TUPLE] === true;
}

/** A float result: integral values are boxed so they print as Python floats. */
export function pyFloat(value: number): number | PyFloat {
  return Number.isInteger(value) ? new PyFloat(value) : value;
}

export function isFloat(value: unknown): boolean {
  return value instanceof PyFloat || (typeof value === 'number' && !Number.isInteger(value));
}

export function isNumber(value: unknown): value is number | PyFloat | boolean {
  return typeof value === 'number' || value instanceof PyFloat || typeof value === 'bigint';
}

export function num(value: unknown): number {
  if (value instanceof PyFloat) return value.value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value as number;
}

/** A plain dict (not a host object such as a relation, which prints through its own toString). */
/**
 * Marks a host object that Python code sees as a Mapping over its attributes, as dbt's relations
 * are (FakeAPIObject): `r is mapping`, `r.get('metadata')`. It is not a dict: it does not print,
 * iterate or compare as one.
 */
export const ATTRIBUTE_MAPPING = Symbol('lakehouse.attributeMapping');

export function isAttributeMapping(value: unknown): boolean {
  return typeof value === 'object' && value !== null && ATTRIBUTE_MAPPING in value;
}

export function isDict(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function isSafeString(value: unknown): boolean {
  return typeof value === 'object' && value !== null && value instanceof String;
}

function dictKeys(value: Record<string, unknown>): string[] {
  return Object.keys(value).filter((k) => k !== '__keywords');
}

// A dict keyed by relations (dbt_utils' union_relations and unpivot do this) stores each under its
// rendered name, which is unique per relation, and remembers the relation so keys() and iteration
// give it back.
const KEY_OBJECTS = new WeakMap<object, Map<string, unknown>>();

/** The string a dict stores `key` under: strings as they are, relations by their rendered name. */
export function dictKeyOf(key: unknown): string | undefined {
  if (typeof key === 'string') return key;
  if (key instanceof String) return String(key);
  if (isAttributeMapping(key)) return String(key);
  return undefined;
}

/** Records the object a stored key stands for (no-op for string keys). */
export function rememberKey(dict: object, stored: string, key: unknown): void {
  if (typeof key !== 'object' || key === null || key instanceof String) return;
  let map = KEY_OBJECTS.get(dict);
  if (!map) KEY_OBJECTS.set(dict, (map = new Map()));
  map.set(stored, key);
}

/** The key as the template put it in: the relation for a relation key, else the string. */
export function keyObject(dict: object, stored: string): unknown {
  return KEY_OBJECTS.get(dict)?.get(stored) ?? stored;
}

/** Python's `str()` of a value, as `{{ value }}` and `~` print it. */
export function pyStr(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return numberRepr(value);
  if (value instanceof PyFloat) return floatRepr(value.value);
  if (Array.isArray(value) || isDict(value)) return pyRepr(value);
  if (value instanceof Set) return pyRepr(value);
  return String(value);
}

/** Python's `repr()`: strings quoted, containers recursive. */
export function pyRepr(value: unknown): string {
  if (typeof value === 'string' || isSafeString(value)) return stringRepr(String(value));
  if (Array.isArray(value)) {
    const items = value.map(pyRepr);
    if (isTuple(value)) return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
    return `[${items.join(', ')}]`;
  }
  if (value instanceof Set) return value.size === 0 ? 'set()' : `{${[...value].map(pyRepr).join(', ')}}`;
  if (isDict(value)) {
    return `{${dictKeys(value)
      .map((k) => `${stringRepr(k)}: ${pyRepr(value[k])}`)
      .join(', ')}}`;
  }
  if (value === undefined) return '';
  return pyStr(value);
}

function stringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)
      out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return quote + out + quote;
}

function numberRepr(n: number): string {
  if (Number.isInteger(n)) return Number.isSafeInteger(n) ? String(n) : BigInt(n).toString();
  return floatRepr(n);
}

/** Python's float repr: shortest round-trip digits, exponent outside 1e-4 <= |x| < 1e16. */
export function floatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const [mantissa, exp] = n.toExponential().split('e') as [string, string];
  const exponent = Number(exp);
  if (exponent < -4 || exponent >= 16) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  const text = String(n);
  return Number.isInteger(n) ? `${text}.0` : text;
}

/** Python truthiness: empty containers, 0, 0.0, '' and None are false. */
export function pyBool(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (value === true) return true;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (typeof value === 'string') return value.length > 0;
  if (value instanceof PyFloat) return value.value !== 0;
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Set || value instanceof Map) return value.size > 0;
  if (isSafeString(value)) return String(value).length > 0;
  if (isDict(value)) return dictKeys(value).length > 0;
  return true;
}

export class PyTypeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TypeError';
  }
}

export function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (value instanceof PyFloat) return 'float';
  if (typeof value === 'string' || isSafeString(value)) return 'str';
  if (isTuple(value)) return 'tuple';
  if (Array.isArray(value)) return 'list';
  if (isDict(value)) return 'dict';
  return 'object';
}

function isStr(value: unknown): value is string {
  return typeof value === 'string' || isSafeString(value);
}

function numeric(value: unknown): boolean {
  return typeof value === 'number' || typeof value === 'boolean' || value instanceof PyFloat;
}

function arith(a: unknown, b: unknown, op: string, f: (x: number, y: number) => number): unknown {
  if (!numeric(a) || !numeric(b)) {
    throw new PyTypeError(`unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
  }
  const result = f(num(a), num(b));
  return isFloat(a) || isFloat(b) ? pyFloat(result) : result;
}

type Dunder = Record<string, (other: unknown) => unknown>;
function dunder(value: unknown, name: string): ((other: unknown) => unknown) | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const method = (value as Dunder)[name];
  return typeof method === 'function' ? method.bind(value) : undefined;
}

export function pyAdd(a: unknown, b: unknown): unknown {
  const add = dunder(a, '__add__');
  if (add) return add(b);
  if (isStr(a) && isStr(b)) return String(a) + String(b);
  if (Array.isArray(a) && Array.isArray(b) && isTuple(a) === isTuple(b)) {
    const joined = [...a, ...b];
    return isTuple(a) ? pyTuple(joined) : joined;
  }
  return arith(a, b, '+', (x, y) => x + y);
}

export function pySub(a: unknown, b: unknown): unknown {
  const sub = dunder(a, '__sub__');
  if (sub) return sub(b);
  return arith(a, b, '-', (x, y) => x - y);
}

export function pyMul(a: unknown, b: unknown): unknown {
  const repeat = (seq: unknown, n: unknown): unknown => {
    const count = Math.max(0, num(n));
    if (isStr(seq)) return String(seq).repeat(count);
    const items = Array.from({ length: count }, () => seq as unknown[]).flat();
    return isTuple(seq) ? pyTuple(items) : items;
  };
  if ((isStr(a) || Array.isArray(a)) && typeof b === 'number' && Number.isInteger(b)) return repeat(a, b);
  if ((isStr(b) || Array.isArray(b)) && typeof a === 'number' && Number.isInteger(a)) return repeat(b, a);
  return arith(a, b, '*', (x, y) => x * y);
}

export function pyDiv(a: unknown, b: unknown): unknown {
  if (numeric(b) && num(b) === 0) throw new Error('division by zero');
  const result = arith(a, b, '/', (x, y) => x / y);
  return typeof result === 'number' ? pyFloat(result) : result;
}

export function pyFloorDiv(a: unknown, b: unknown): unknown {
  if (numeric(b) && num(b) === 0) throw new Error('integer division or modulo by zero');
  return arith(a, b, '//', (x, y) => Math.floor(x / y));
}

export function pyMod(a: unknown, b: unknown): unknown {
  if (isStr(a)) return percentFormat(String(a), b);
  if (numeric(b) && num(b) === 0) throw new Error('integer division or modulo by zero');
  return arith(a, b, '%', (x, y) => x - y * Math.floor(x / y));
}

export function pyPow(a: unknown, b: unknown): unknown {
  const result = arith(a, b, '**', (x, y) => x ** y);
  return typeof result === 'number' && num(b) < 0 ? pyFloat(result) : result;
}

export function pyNeg(a: unknown): unknown {
  if (!numeric(a)) throw new PyTypeError(`bad operand type for unary -: '${typeName(a)}'`);
  return isFloat(a) ? pyFloat(-num(a)) : -num(a);
}

export function pyPos(a: unknown): unknown {
  if (!numeric(a)) throw new PyTypeError(`bad operand type for unary +: '${typeName(a)}'`);
  return a === true || a === false ? num(a) : a;
}

/** `~`: both sides as Python strings. */
export function pyConcat(a: unknown, b: unknown): string {
  return pyStr(a) + pyStr(b);
}

/** Python `==`: by value for numbers, strings, lists, tuples and dicts. */
export function pyEq(a: unknown, b: unknown): boolean {
  if (numeric(a) && numeric(b)) return num(a) === num(b);
  if (isStr(a) && isStr(b)) return String(a) === String(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    return isTuple(a) === isTuple(b) && a.length === b.length && a.every((x, i) => pyEq(x, b[i]));
  }
  const cmp = dunder(a, '__cmp__');
  if (cmp && dunder(b, '__cmp__')) {
    try {
      return cmp(b) === 0;
    } catch {
      return false;
    }
  }
  if (isDict(a) && isDict(b)) {
    const ka = dictKeys(a);
    const kb = dictKeys(b);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && pyEq(a[k], b[k]));
  }
  // Sets by their members (dbt_utils' equality test compares column sets); relations by their name.
  if (a instanceof Set && b instanceof Set)
    return a.size === b.size && [...a].every((x) => [...b].some((y) => pyEq(x, y)));
  if (isAttributeMapping(a) && isAttributeMapping(b)) return String(a) === String(b);
  return a === b;
}

function order(a: unknown, b: unknown, op: string): number {
  const cmp = dunder(a, '__cmp__');
  if (cmp) return cmp(b) as number;
  if (numeric(a) && numeric(b)) return num(a) - num(b);
  if (isStr(a) && isStr(b)) {
    const x = String(a);
    const y = String(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (!pyEq(a[i], b[i])) return order(a[i], b[i], op);
    }
    return a.length - b.length;
  }
  throw new PyTypeError(`'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

export function pyCompare(a: unknown, op: string, b: unknown): boolean {
  switch (op) {
    case '==':
      return pyEq(a, b);
    case '!=':
      return !pyEq(a, b);
    case '<':
      return order(a, b, op) < 0;
    case '>':
      return order(a, b, op) > 0;
    case '<=':
      return order(a, b, op) <= 0;
    case '>=':
      return order(a, b, op) >= 0;
    default:
      throw new Error(`unknown comparison ${op}`);
  }
}

/** Python `in`: substring, list/tuple membership by value, dict key. */
export function pyIn(item: unknown, container: unknown): boolean {
  if (isStr(container)) {
    if (!isStr(item)) throw new PyTypeError(`'in <string>' requires string as left operand, not ${typeName(item)}`);
    return String(container).includes(String(item));
  }
  if (Array.isArray(container)) return container.some((x) => pyEq(x, item));
  if (container instanceof Set) return [...container].some((x) => pyEq(x, item));
  if (container !== null && typeof container === 'object') {
    const key = dictKeyOf(item);
    return key !== undefined && key !== '__keywords' && key in container;
  }
  throw new PyTypeError(`argument of type '${typeName(container)}' is not iterable`);
}

/** What `for x in value` iterates: lists, characters of strings, keys of dicts. */
export function pyIterate(value: unknown): unknown[] {
  if (value === undefined || value === null) {
    if (value === null) throw new PyTypeError("'NoneType' object is not iterable");
    return [];
  }
  if (Array.isArray(value)) return value;
  if (isStr(value)) return [...String(value)];
  if (value instanceof Set || value instanceof Map) return [...value.keys()];
  if (typeof value === 'object' && Symbol.iterator in value) return Array.from(value as Iterable<unknown>);
  if (isDict(value)) return dictKeys(value).map((k) => keyObject(value, k));
  if (typeof value === 'object') return Object.keys(value);
  throw new PyTypeError(`'${typeName(value)}' object is not iterable`);
}

/** `a, b = value` / `for a, b in ...`: exactly n items. */
export function pyUnpack(value: unknown, n: number): unknown[] {
  const items = pyIterate(value);
  if (items.length > n) throw new Error(`too many values to unpack (expected ${n})`);
  if (items.length < n) throw new Error(`not enough values to unpack (expected ${n}, got ${items.length})`);
  return items;
}

/** `'%s-%05d' % args`: Python's printf-style formatting. */
export function percentFormat(template: string, args: unknown): string {
  const positional = isTuple(args) ? (args as unknown[]) : [args];
  const named = isDict(args) ? args : undefined;
  let index = 0;
  const next = (): unknown => {
    if (index >= positional.length) throw new PyTypeError('not enough arguments for format string');
    return positional[index++];
  };
  const out = template.replace(
    /%(\(([^)]*)\))?([-+ 0#]*)(\*|\d+)?(?:\.(\*|\d+))?([diouxXeEfFgGcrsa%])/g,
    (_m, _n, key: string | undefined, flags: string, widthText: string | undefined, precText, conv: string) => {
      if (conv === '%') return '%';
      const value = key !== undefined && named ? named[key] : next();
      const width = widthText === '*' ? num(next()) : widthText ? Number(widthText) : 0;
      const precision = precText === '*' ? num(next()) : precText !== undefined ? Number(precText) : undefined;
      let text: string;
      switch (conv) {
        case 's':
          text = pyStr(value);
          if (precision !== undefined) text = text.slice(0, precision);
          break;
        case 'r':
        case 'a':
          text = pyRepr(value);
          break;
        case 'd':
        case 'i':
        case 'u':
          if (!numeric(value))
            throw new PyTypeError(`%${conv} format: a real number is required, not ${typeName(value)}`);
          text = String(Math.trunc(num(value)));
          break;
        case 'f':
        case 'F':
          text = num(value).toFixed(precision ?? 6);
          break;
        case 'e':
        case 'E':
          text = expFormat(num(value), precision ?? 6);
          if (conv === 'E') text = text.toUpperCase();
          break;
        case 'x':
        case 'X':
        case 'o':
          text = Math.trunc(num(value)).toString(conv === 'o' ? 8 : 16);
          if (conv === 'X') text = text.toUpperCase();
          break;
        case 'c':
          text = typeof value === 'number' ? String.fromCharCode(value) : String(value);
          break;
        default:
          text = pyStr(value);
      }
      if (flags.includes('+') && /^[0-9]/.test(text) && numeric(value)) text = `+${text}`;
      if (text.length < width) {
        if (flags.includes('-')) text = text.padEnd(width);
        else if (flags.includes('0') && numeric(value)) {
          const sign = /^[-+]/.test(text) ? text[0]! : '';
          text = sign + text.slice(sign.length).padStart(width - sign.length, '0');
        } else text = text.padStart(width);
      }
      return text;
    },
  );
  if (!named && index < positional.length && isTuple(args)) {
    throw new PyTypeError('not all arguments converted during string formatting');
  }
  return out;
}

function expFormat(n: number, digits: number): string {
  const [m, e] = n.toExponential(digits).split('e') as [string, string];
  const exponent = Number(e);
  return `${m}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

/** Python's `json.dumps` (`, ` and `: ` separators), optionally with sorted keys. */
export function pyJsonDumps(value: unknown, sortKeys: boolean): string {
  const enc = (v: unknown): string => {
    if (v === null || v === undefined) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'number')
      return Number.isFinite(v) ? numberRepr(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
    if (v instanceof PyFloat) return floatRepr(v.value);
    if (typeof v === 'bigint') return v.toString();
    if (isStr(v)) return jsonString(String(v));
    if (Array.isArray(v)) return `[${v.map(enc).join(', ')}]`;
    if (v instanceof Set) throw new PyTypeError('Object of type set is not JSON serializable');
    if (isDict(v)) {
      const keys = dictKeys(v);
      if (sortKeys) keys.sort();
      return `{${keys.map((k) => `${jsonString(k)}: ${enc(v[k])}`).join(', ')}}`;
    }
    throw new PyTypeError(`Object of type ${typeName(v)} is not JSON serializable`);
  };
  return enc(value);
}

function jsonString(s: string): string {
  // json.dumps escapes non-ASCII (ensure_ascii=True).
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
