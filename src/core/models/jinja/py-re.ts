import { namedArgs as named } from './python-compat';
import { pyTuple } from './py-values';

/**
 * dbt's `modules.re`: Python's `re` over JavaScript's RegExp. A Python pattern
 * is translated to the JavaScript pattern that matches the same text (Unicode
 * `\w`, `\d`, `\s` and `\b`, `.` that stops only at `\n`, `$` before a final
 * newline, `(?P<name>)`, `{,n}`, a literal `{`); what has no faithful
 * translation is refused by name. dbt_utils' `slugify` (and so `pivot`) uses
 * `re.sub`.
 */

const FLAG = { ASCII: 256, IGNORECASE: 2, MULTILINE: 8, DOTALL: 16, VERBOSE: 64, UNICODE: 32, LOCALE: 4 } as const;

/** A pattern or use of `re` the built-in runner does not reproduce. */
export class RegexRefusal extends Error {
  constructor(construct: string) {
    super(`${construct} in modules.re is not supported by the built-in runner`);
  }
}

/** Python's `re.error`: a pattern Python itself rejects. */
export class RegexError extends Error {}

const WORD = '\\p{L}\\p{N}_';
const ASCII_WORD = 'A-Za-z0-9_';
// Python's str.isspace() characters: what `\s` matches in a str pattern.
const SPACE = '\\t\\n\\x0b\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const ASCII_SPACE = '\\t\\n\\x0b\\f\\r ';

interface Translated {
  source: string;
  flags: string;
  groups: number;
  /** Group number of each named group. */
  names: Map<string, number>;
}

function translate(pattern: string, flags: number): Translated {
  if (flags & FLAG.VERBOSE) throw new RegexRefusal('re.VERBOSE');
  if (flags & FLAG.LOCALE) throw new RegexRefusal('re.LOCALE');
  let p = pattern;
  // Global inline flags at the start: `(?i)`, `(?ms)`.
  const inline = /^\(\?([aiLmsux]+)\)/.exec(p);
  if (inline) {
    for (const f of inline[1]!) {
      if (f === 'i') flags |= FLAG.IGNORECASE;
      else if (f === 'm') flags |= FLAG.MULTILINE;
      else if (f === 's') flags |= FLAG.DOTALL;
      else if (f === 'a') flags |= FLAG.ASCII;
      else if (f === 'x') throw new RegexRefusal('re.VERBOSE');
      else if (f === 'L') throw new RegexRefusal('re.LOCALE');
    }
    p = p.slice(inline[0].length);
  }
  const ascii = (flags & FLAG.ASCII) !== 0;
  const word = ascii ? ASCII_WORD : WORD;
  const space = ascii ? ASCII_SPACE : SPACE;
  const digit = ascii ? '0-9' : '\\p{Nd}';
  const multiline = (flags & FLAG.MULTILINE) !== 0;
  const dotall = (flags & FLAG.DOTALL) !== 0;
  const names = new Map<string, number>();
  let groups = 0;
  let out = '';
  let i = 0;

  /** One escape at `i` (the backslash), as JavaScript text; `inClass` gives class contents, not a class. */
  const escape = (inClass: boolean): string => {
    const c = p[i + 1];
    if (c === undefined) throw new RegexError('bad escape (end of pattern)');
    i += 2;
    switch (c) {
      case 'w':
        return inClass ? word : `[${word}]`;
      case 'd':
        return inClass ? digit : `[${digit}]`;
      case 's':
        return inClass ? space : `[${space}]`;
      case 'W':
      case 'D':
      case 'S': {
        if (inClass) throw new RegexRefusal(`\\${c} inside a character class`);
        return `[^${c === 'W' ? word : c === 'D' ? digit : space}]`;
      }
      case 'b': {
        if (inClass) return '\\x08';
        return `(?:(?<=[${word}])(?![${word}])|(?<![${word}])(?=[${word}]))`;
      }
      case 'B':
        if (inClass) throw new RegexError('bad escape \\B');
        return `(?:(?<=[${word}])(?=[${word}])|(?<![${word}])(?![${word}]))`;
      case 'A':
        return '(?<![\\s\\S])';
      case 'Z':
        return '(?![\\s\\S])';
      case 'x':
      case 'u':
      case 'U': {
        const length = c === 'x' ? 2 : c === 'u' ? 4 : 8;
        const hex = p.slice(i, i + length);
        if (!new RegExp(`^[0-9a-fA-F]{${length}}$`).test(hex)) throw new RegexError(`incomplete escape \\${c}${hex}`);
        i += length;
        return `\\u{${hex}}`;
      }
      case '0': {
        const digits = /^[0-7]{0,2}/.exec(p.slice(i))![0];
        i += digits.length;
        return `\\u{${parseInt('0' + digits, 8).toString(16)}}`;
      }
      case 'n':
      case 't':
      case 'r':
      case 'f':
      case 'v':
        return `\\${c}`;
      case 'a':
        return '\\x07';
      default:
        if (c >= '1' && c <= '9') {
          if (inClass) throw new RegexRefusal('an octal or group escape inside a character class');
          const digits = /^\d{1,2}/.exec(p.slice(i - 1))![0];
          i += digits.length - 1;
          return `\\${digits}`;
        }
        if (/[A-Za-z]/.test(c)) throw new RegexError(`bad escape \\${c}`);
        // Punctuation and other characters escape to themselves.
        return /[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c;
    }
  };

  while (i < p.length) {
    const ch = p[i]!;
    if (ch === '\\') {
      out += escape(false);
      continue;
    }
    if (ch === '[') {
      i++;
      let body = '';
      if (p[i] === '^') {
        body += '^';
        i++;
      }
      // A `]` right after `[` or `[^` is a literal in Python.
      if (p[i] === ']') {
        body += '\\]';
        i++;
      }
      while (i < p.length && p[i] !== ']') {
        if (p[i] === '\\') body += escape(true);
        else {
          body += /[[{}()|/]/.test(p[i]!) ? `\\${p[i]!}` : p[i]!;
          i++;
        }
      }
      if (i >= p.length) throw new RegexError('unterminated character set');
      i++;
      out += `[${body}]`;
      continue;
    }
    if (ch === '(') {
      if (p[i + 1] !== '?') {
        groups++;
        out += '(';
        i++;
        continue;
      }
      const rest = p.slice(i + 2);
      let m: RegExpExecArray | null;
      if ((m = /^P<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest))) {
        groups++;
        names.set(m[1]!, groups);
        out += `(?<${m[1]!}>`;
        i += 2 + m[0].length;
      } else if ((m = /^P=([A-Za-z_][A-Za-z0-9_]*)\)/.exec(rest))) {
        out += `\\k<${m[1]!}>`;
        i += 2 + m[0].length;
      } else if ((m = /^#[^)]*\)/.exec(rest))) {
        i += 2 + m[0].length;
      } else if (/^(?::|=|!|<=|<!)/.test(rest)) {
        const head = /^(?::|=|!|<=|<!)/.exec(rest)![0];
        out += `(?${head}`;
        i += 2 + head.length;
      } else {
        throw new RegexRefusal(`The group '(?${rest.slice(0, 2)}'`);
      }
      continue;
    }
    if (ch === '{') {
      const m = /^\{(\d*)(,?)(\d*)\}/.exec(p.slice(i));
      if (m && (m[1] || (m[2] && m[3]))) {
        out += `{${m[1] || '0'}${m[2]}${m[3]}}`;
        i += m[0].length;
        if (p[i] === '+') throw new RegexRefusal('A possessive quantifier');
        continue;
      }
      out += '\\{';
      i++;
      continue;
    }
    if (ch === '}') {
      out += '\\}';
      i++;
      continue;
    }
    if ((ch === '*' || ch === '+' || ch === '?') && p[i + 1] === '+') throw new RegexRefusal('A possessive quantifier');
    if (ch === '.') {
      out += dotall ? '[\\s\\S]' : '[^\\n]';
      i++;
      continue;
    }
    if (ch === '$' && !multiline) {
      // Python's `$`: the end, or before a newline that ends the string.
      out += '(?=\\n?(?![\\s\\S]))';
      i++;
      continue;
    }
    if (ch === '/') {
      out += '\\/';
      i++;
      continue;
    }
    out += ch;
    i++;
  }
  const jsFlags = `gdu${flags & FLAG.IGNORECASE ? 'i' : ''}${multiline ? 'm' : ''}`;
  return { source: out, flags: jsFlags, groups, names };
}

/** Python's match object. */
export class PyMatch {
  constructor(
    private readonly m: RegExpExecArray,
    readonly string: string,
    readonly re: PyPattern,
  ) {}

  private index(group: unknown): number {
    if (typeof group === 'string') {
      const n = this.re.names.get(group);
      if (n === undefined) throw new RegexError(`no such group '${group}'`);
      return n;
    }
    const n = group === undefined ? 0 : Number(group);
    if (!Number.isInteger(n) || n < 0 || n > this.re.groups) throw new RegexError('no such group');
    return n;
  }

  private value(n: number): string | null {
    if (n === 0) return this.m[0];
    const v = this.m[n];
    return v === undefined ? null : v;
  }

  group(...args: unknown[]): unknown {
    if (args.length <= 1) return this.value(this.index(args[0]));
    return pyTuple(args.map((a) => this.value(this.index(a))));
  }

  groups(fallback: unknown = null): unknown {
    const values: unknown[] = [];
    for (let n = 1; n <= this.re.groups; n++) values.push(this.value(n) ?? fallback);
    return pyTuple(values);
  }

  groupdict(fallback: unknown = null): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, n] of this.re.names) out[name] = this.value(n) ?? fallback;
    return out;
  }

  start(group?: unknown): number {
    const span = this.m.indices?.[this.index(group)];
    return span ? this.offset(span[0]) : -1;
  }

  end(group?: unknown): number {
    const span = this.m.indices?.[this.index(group)];
    return span ? this.offset(span[1]) : -1;
  }

  span(group?: unknown): unknown {
    return pyTuple([this.start(group), this.end(group)]);
  }

  /** Python counts code points, JavaScript UTF-16 units. */
  private offset(unit: number): number {
    return [...this.string.slice(0, unit)].length;
  }

  toString(): string {
    return `<re.Match object; span=(${this.start()}, ${this.end()}), match='${this.m[0]}'>`;
  }
}

/** Python's compiled pattern (`re.compile`). */
export class PyPattern {
  private readonly regex: RegExp;
  readonly groups: number;
  readonly names: Map<string, number>;

  constructor(
    readonly pattern: string,
    readonly flags: number,
  ) {
    const t = translate(pattern, flags);
    try {
      this.regex = new RegExp(t.source, t.flags);
    } catch (error) {
      throw new RegexError(`${(error as Error).message} (pattern ${JSON.stringify(pattern)})`);
    }
    this.groups = t.groups;
    this.names = t.names;
  }

  private fresh(sticky = false): RegExp {
    return new RegExp(this.regex.source, this.regex.flags + (sticky ? 'y' : ''));
  }

  search(text: unknown): PyMatch | null {
    const s = String(text);
    const re = this.fresh();
    const m = re.exec(s);
    return m ? new PyMatch(m, s, this) : null;
  }

  match(text: unknown): PyMatch | null {
    const s = String(text);
    const re = this.fresh(true);
    re.lastIndex = 0;
    const m = re.exec(s);
    return m ? new PyMatch(m, s, this) : null;
  }

  fullmatch(text: unknown): PyMatch | null {
    const s = String(text);
    const re = new RegExp(`(?:${this.regex.source})(?![\\s\\S])`, this.regex.flags + 'y');
    const m = re.exec(s);
    return m ? new PyMatch(m, s, this) : null;
  }

  findall(text: unknown): unknown[] {
    const s = String(text);
    return [...s.matchAll(this.fresh())].map((m) => {
      if (this.groups === 0) return m[0];
      if (this.groups === 1) return m[1] ?? '';
      return pyTuple(m.slice(1, this.groups + 1).map((v) => v ?? ''));
    });
  }

  finditer(text: unknown): PyMatch[] {
    const s = String(text);
    return [...s.matchAll(this.fresh())].map((m) => new PyMatch(m as RegExpExecArray, s, this));
  }

  split(...args: unknown[]): unknown[] {
    const a = named(args, ['string', 'maxsplit']);
    const s = String(a.string);
    const max = Number(a.maxsplit ?? 0);
    const out: unknown[] = [];
    let last = 0;
    let count = 0;
    for (const m of s.matchAll(this.fresh())) {
      if (max > 0 && count >= max) break;
      out.push(s.slice(last, m.index));
      for (let n = 1; n <= this.groups; n++) out.push(m[n] ?? null);
      last = m.index + m[0].length;
      count++;
    }
    out.push(s.slice(last));
    return out;
  }

  sub(...args: unknown[]): string {
    const a = named(args, ['repl', 'string', 'count']);
    return this.substitute(a.repl, String(a.string), Number(a.count ?? 0))[0];
  }

  subn(...args: unknown[]): unknown {
    const a = named(args, ['repl', 'string', 'count']);
    return pyTuple(this.substitute(a.repl, String(a.string), Number(a.count ?? 0)));
  }

  private substitute(repl: unknown, s: string, count: number): [string, number] {
    if (typeof repl === 'function') throw new RegexRefusal('A function as the replacement');
    const template = String(repl);
    let done = 0;
    const result = s.replace(this.fresh(), (...found: unknown[]) => {
      if (count > 0 && done >= count) return found[0] as string;
      done++;
      const values = found.slice(0, this.groups + 1) as Array<string | undefined>;
      return expandTemplate(template, values, this.names);
    });
    return [result, done];
  }

  toString(): string {
    return `re.compile(${JSON.stringify(this.pattern)})`;
  }
}

/**
 * Python's replacement template: `\1`, `\g<1>`, `\g<name>`, the usual escapes; an unmatched group is
 * empty. `values[0]` is the whole match.
 */
function expandTemplate(template: string, values: Array<string | undefined>, names: Map<string, number>): string {
  const groups = values.length - 1;
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const c = template[i + 1];
    if (c === undefined) throw new RegexError('bad escape (end of pattern)');
    if (c === 'g') {
      const m = /^<([^>]*)>/.exec(template.slice(i + 2));
      if (!m) throw new RegexError('missing group name');
      const ref = m[1]!;
      const n = /^\d+$/.test(ref) ? Number(ref) : names.get(ref);
      if (n === undefined) throw new RegexError(`unknown group name '${ref}'`);
      if (n > groups) throw new RegexError(`invalid group reference ${ref}`);
      out += values[n] ?? '';
      i += 1 + m[0].length;
      continue;
    }
    if (c >= '1' && c <= '9') {
      const digits = /^\d{1,2}/.exec(template.slice(i + 1))![0];
      const n = Number(digits);
      if (n > groups) throw new RegexError(`invalid group reference ${n}`);
      out += values[n] ?? '';
      i += digits.length;
      continue;
    }
    const simple: Record<string, string> = {
      n: '\n',
      t: '\t',
      r: '\r',
      f: '\f',
      v: '\v',
      a: '\x07',
      b: '\b',
      '\\': '\\',
    };
    if (c in simple) out += simple[c];
    else if (/[A-Za-z]/.test(c)) throw new RegexError(`bad escape \\${c}`);
    else out += `\\${c}`;
    i++;
  }
  return out;
}

function compile(pattern: unknown, flags: unknown): PyPattern {
  if (pattern instanceof PyPattern) return pattern;
  return new PyPattern(String(pattern), Number(flags ?? 0));
}

/** Module-level functions take the pattern first and `flags=` last, as Python's. */
function call<K extends 'search' | 'match' | 'fullmatch' | 'findall' | 'finditer'>(method: K, names: string[]) {
  return (...args: unknown[]) => {
    const a = named(args, names);
    return compile(a.pattern, a.flags)[method](a.string);
  };
}

const ESCAPED = new Set('()[]{}?*+-|^$\\.&~# \t\n\r\v\f');

export const RE_MODULE = {
  compile: (...args: unknown[]) => {
    const a = named(args, ['pattern', 'flags']);
    return compile(a.pattern, a.flags);
  },
  search: call('search', ['pattern', 'string', 'flags']),
  match: call('match', ['pattern', 'string', 'flags']),
  fullmatch: call('fullmatch', ['pattern', 'string', 'flags']),
  findall: call('findall', ['pattern', 'string', 'flags']),
  finditer: call('finditer', ['pattern', 'string', 'flags']),
  split: (...args: unknown[]) => {
    const a = named(args, ['pattern', 'string', 'maxsplit', 'flags']);
    return compile(a.pattern, a.flags).split(a.string, a.maxsplit ?? 0);
  },
  sub: (...args: unknown[]) => {
    const a = named(args, ['pattern', 'repl', 'string', 'count', 'flags']);
    return compile(a.pattern, a.flags).sub(a.repl, a.string, a.count ?? 0);
  },
  subn: (...args: unknown[]) => {
    const a = named(args, ['pattern', 'repl', 'string', 'count', 'flags']);
    return compile(a.pattern, a.flags).subn(a.repl, a.string, a.count ?? 0);
  },
  escape: (text: unknown) => [...String(text)].map((ch) => (ESCAPED.has(ch) ? `\\${ch}` : ch)).join(''),
  A: FLAG.ASCII,
  ASCII: FLAG.ASCII,
  I: FLAG.IGNORECASE,
  IGNORECASE: FLAG.IGNORECASE,
  M: FLAG.MULTILINE,
  MULTILINE: FLAG.MULTILINE,
  S: FLAG.DOTALL,
  DOTALL: FLAG.DOTALL,
  X: FLAG.VERBOSE,
  VERBOSE: FLAG.VERBOSE,
  U: FLAG.UNICODE,
  UNICODE: FLAG.UNICODE,
};
