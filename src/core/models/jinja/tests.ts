import { isAttributeMapping, isDict, isFloat, isNumber, num, pyCompare, pyEq, pyIn, PyFloat } from './py-values';

/**
 * Jinja2's tests (`x is defined`, `x is divisibleby 3`...) with Python's
 * semantics, replacing nunjucks' (which, for one, call `[]` a string-less
 * "iterable" and have no `sequence`, `boolean`, `integer` or `float`).
 */
export const JINJA_TESTS: Record<string, (value: unknown, ...args: unknown[]) => boolean> = {
  defined: (v) => v !== undefined,
  undefined: (v) => v === undefined,
  none: (v) => v === null,
  boolean: (v) => typeof v === 'boolean',
  false: (v) => v === false,
  true: (v) => v === true,
  integer: (v) => (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint',
  float: (v) => isFloat(v),
  number: (v) => isNumber(v) || typeof v === 'boolean',
  string: (v) => typeof v === 'string' || v instanceof String,
  mapping: (v) => isDict(v) || isAttributeMapping(v),
  sequence: (v) => typeof v === 'string' || v instanceof String || Array.isArray(v) || isDict(v),
  iterable: (v) =>
    typeof v === 'string' ||
    v instanceof String ||
    Array.isArray(v) ||
    isDict(v) ||
    isAttributeMapping(v) ||
    v instanceof Set ||
    v instanceof Map,
  callable: (v) => typeof v === 'function',
  sameas: (v, other) => (v instanceof PyFloat || other instanceof PyFloat ? v === other : v === other),
  escaped: (v) => typeof v === 'object' && v !== null && v instanceof String,
  odd: (v) => num(v) % 2 !== 0,
  even: (v) => num(v) % 2 === 0,
  divisibleby: (v, n) => num(v) % num(n) === 0,
  lower: (v) => String(v) === String(v).toLowerCase(),
  upper: (v) => String(v) === String(v).toUpperCase(),
  in: (v, seq) => pyIn(v, seq),
  eq: (a, b) => pyEq(a, b),
  equalto: (a, b) => pyEq(a, b),
  '==': (a, b) => pyEq(a, b),
  ne: (a, b) => !pyEq(a, b),
  '!=': (a, b) => !pyEq(a, b),
  lt: (a, b) => pyCompare(a, '<', b),
  lessthan: (a, b) => pyCompare(a, '<', b),
  '<': (a, b) => pyCompare(a, '<', b),
  le: (a, b) => pyCompare(a, '<=', b),
  '<=': (a, b) => pyCompare(a, '<=', b),
  gt: (a, b) => pyCompare(a, '>', b),
  greaterthan: (a, b) => pyCompare(a, '>', b),
  '>': (a, b) => pyCompare(a, '>', b),
  ge: (a, b) => pyCompare(a, '>=', b),
  '>=': (a, b) => pyCompare(a, '>=', b),
};

export function lookupTest(name: unknown): (value: unknown, ...args: unknown[]) => boolean {
  const test = typeof name === 'string' ? JINJA_TESTS[name] : undefined;
  if (!test) throw new Error(`No test named '${String(name)}'.`);
  return test;
}
