import { num, pyStr } from './py-values';

/**
 * Jinja2's global functions with Python's semantics: `range` (with the
 * sandbox's 100000-item limit that dbt's environment has), `dict`, `cycler`,
 * `joiner`. dbt's own globals live in context.ts.
 */
const MAX_RANGE = 100000;

function range(...args: unknown[]): number[] {
  const [start, stop, step] =
    args.length === 1 ? [0, num(args[0]), 1] : [num(args[0]), num(args[1]), args.length > 2 ? num(args[2]) : 1];
  if (step === 0) throw new Error('range() arg 3 must not be zero');
  const length = Math.max(0, Math.ceil((stop - start) / step));
  if (length > MAX_RANGE)
    throw new Error(`Range too big. The sandbox blocks ranges larger than MAX_RANGE (${MAX_RANGE}).`);
  return Array.from({ length }, (_, i) => start + i * step);
}

function dict(...args: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const arg of args) {
    if (arg && typeof arg === 'object' && !Array.isArray(arg)) {
      for (const [k, v] of Object.entries(arg)) if (k !== '__keywords') out[k] = v;
    }
  }
  return out;
}

class Cycler {
  private position = 0;
  constructor(private readonly items: unknown[]) {}
  get current(): unknown {
    return this.items[this.position];
  }
  next(): unknown {
    const value = this.items[this.position];
    this.position = (this.position + 1) % this.items.length;
    return value;
  }
  reset(): null {
    this.position = 0;
    return null;
  }
}

function joiner(sep: unknown = ', '): () => string {
  let used = false;
  return () => {
    if (!used) {
      used = true;
      return '';
    }
    return pyStr(sep);
  };
}

export const JINJA_GLOBALS: Record<string, unknown> = {
  range,
  dict,
  cycler: (...items: unknown[]) => new Cycler(items),
  joiner,
};
