import { isDict, num, PyTypeError } from './py-values';

/**
 * dbt's `modules.datetime`: `date`, `datetime` and `timedelta` with Python's
 * printing, arithmetic and `strftime`, naive (no time zones), as dbt projects
 * use them to build date literals and spines.
 */
const DAY_MS = 86_400_000;
const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function keywords(args: unknown[]): [unknown[], Record<string, unknown>] {
  const last = args[args.length - 1];
  if (isDict(last) && Object.prototype.hasOwnProperty.call(last, '__keywords')) {
    const { __keywords: _k, ...rest } = last;
    return [args.slice(0, -1), rest];
  }
  return [args, {}];
}

export class PyTimedelta {
  /** Whole microseconds. */
  constructor(readonly micros: number) {}
  get days(): number {
    return Math.floor(this.micros / (DAY_MS * 1000));
  }
  get seconds(): number {
    return Math.floor((this.micros - this.days * DAY_MS * 1000) / 1e6);
  }
  get microseconds(): number {
    return this.micros - this.days * DAY_MS * 1000 - this.seconds * 1e6;
  }
  total_seconds(): number {
    return this.micros / 1e6;
  }
  toString(): string {
    const s = this.seconds;
    const time = `${Math.floor(s / 3600)}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}${this.microseconds ? `.${pad(this.microseconds, 6)}` : ''}`;
    if (this.days === 0) return time;
    return `${this.days} day${Math.abs(this.days) === 1 ? '' : 's'}, ${time}`;
  }
  __add__(other: unknown): unknown {
    if (other instanceof PyTimedelta) return new PyTimedelta(this.micros + other.micros);
    if (other instanceof PyDateTime) return other.__add__(this);
    return unsupported('+', this, other);
  }
  __sub__(other: unknown): unknown {
    if (other instanceof PyTimedelta) return new PyTimedelta(this.micros - other.micros);
    return unsupported('-', this, other);
  }
  __cmp__(other: unknown): number {
    if (!(other instanceof PyTimedelta)) throw new PyTypeError("can't compare timedelta to another type");
    return this.micros - other.micros;
  }
}

function unsupported(op: string, a: unknown, b: unknown): never {
  const name = (v: unknown) =>
    v instanceof PyDateTime
      ? v.isDate
        ? 'datetime.date'
        : 'datetime.datetime'
      : v instanceof PyTimedelta
        ? 'datetime.timedelta'
        : typeof v;
  throw new PyTypeError(`unsupported operand type(s) for ${op}: '${name(a)}' and '${name(b)}'`);
}

export class PyDateTime {
  /** Milliseconds since the epoch of the naive wall time, plus microseconds within the millisecond. */
  private constructor(
    private readonly ms: number,
    private readonly extraMicros: number,
    readonly isDate: boolean,
    /** Aware UTC (dbt's run_started_at) rather than naive. */
    readonly utc = false,
  ) {}

  static of(isDate: boolean, y: number, mo: number, d: number, h = 0, mi = 0, s = 0, us = 0): PyDateTime {
    if (mo < 1 || mo > 12) throw new Error('month must be in 1..12');
    const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
    if (d < 1 || d > days) throw new Error('day is out of range for month');
    const date = new Date(0);
    date.setUTCFullYear(y, mo - 1, d);
    date.setUTCHours(h, mi, s, Math.floor(us / 1000));
    return new PyDateTime(date.getTime(), us % 1000, isDate);
  }

  static fromMicros(micros: number, isDate: boolean, utc = false): PyDateTime {
    const ms = Math.floor(micros / 1000);
    return new PyDateTime(ms, micros - ms * 1000, isDate, utc);
  }

  /** A JavaScript Date as Python's naive UTC datetime (run_started_at). */
  static fromDate(date: Date, utc = false): PyDateTime {
    return new PyDateTime(date.getTime(), 0, false, utc);
  }

  private get d(): Date {
    return new Date(this.ms);
  }
  get micros(): number {
    return this.ms * 1000 + this.extraMicros;
  }
  get year(): number {
    return this.d.getUTCFullYear();
  }
  get month(): number {
    return this.d.getUTCMonth() + 1;
  }
  get day(): number {
    return this.d.getUTCDate();
  }
  get hour(): number {
    return this.isDate ? 0 : this.d.getUTCHours();
  }
  get minute(): number {
    return this.isDate ? 0 : this.d.getUTCMinutes();
  }
  get second(): number {
    return this.isDate ? 0 : this.d.getUTCSeconds();
  }
  get microsecond(): number {
    return this.isDate ? 0 : this.d.getUTCMilliseconds() * 1000 + this.extraMicros;
  }

  weekday(): number {
    return (this.d.getUTCDay() + 6) % 7;
  }
  isoweekday(): number {
    return this.weekday() + 1;
  }
  date(): PyDateTime {
    return PyDateTime.of(true, this.year, this.month, this.day);
  }
  isoformat(sep: unknown = 'T'): string {
    const date = `${pad(this.year, 4)}-${pad(this.month)}-${pad(this.day)}`;
    if (this.isDate) return date;
    const us = this.microsecond;
    return `${date}${String(sep)}${pad(this.hour)}:${pad(this.minute)}:${pad(this.second)}${us ? `.${pad(us, 6)}` : ''}${this.utc ? '+00:00' : ''}`;
  }
  toString(): string {
    return this.isoformat(' ');
  }
  replace(...args: unknown[]): PyDateTime {
    const [, kw] = keywords(args);
    const get = (k: string, v: number) => (k in kw ? num(kw[k]) : v);
    return PyDateTime.of(
      this.isDate,
      get('year', this.year),
      get('month', this.month),
      get('day', this.day),
      get('hour', this.hour),
      get('minute', this.minute),
      get('second', this.second),
      get('microsecond', this.microsecond),
    );
  }
  strftime(format: unknown): string {
    return String(format).replace(/%([a-zA-Z%])/g, (m, c: string) => {
      switch (c) {
        case 'Y':
          return pad(this.year, 4);
        case 'y':
          return pad(this.year % 100);
        case 'm':
          return pad(this.month);
        case 'd':
          return pad(this.day);
        case 'H':
          return pad(this.hour);
        case 'I':
          return pad(this.hour % 12 === 0 ? 12 : this.hour % 12);
        case 'p':
          return this.hour < 12 ? 'AM' : 'PM';
        case 'M':
          return pad(this.minute);
        case 'S':
          return pad(this.second);
        case 'f':
          return pad(this.microsecond, 6);
        case 'j':
          return pad(
            Math.floor((Date.UTC(this.year, this.month - 1, this.day) - Date.UTC(this.year, 0, 1)) / DAY_MS) + 1,
            3,
          );
        case 'A':
          return DAY_NAMES[this.weekday()]!;
        case 'a':
          return DAY_NAMES[this.weekday()]!.slice(0, 3);
        case 'B':
          return MONTH_NAMES[this.month - 1]!;
        case 'b':
          return MONTH_NAMES[this.month - 1]!.slice(0, 3);
        case 'w':
          return String((this.weekday() + 1) % 7);
        case 'z':
          return this.utc ? '+0000' : '';
        case 'Z':
          return this.utc ? 'UTC' : '';
        case '%':
          return '%';
        default:
          throw new Error(`strftime directive ${m} is not supported by the built-in runner`);
      }
    });
  }
  __add__(other: unknown): unknown {
    if (!(other instanceof PyTimedelta)) return unsupported('+', this, other);
    const micros = this.isDate ? this.micros + other.days * DAY_MS * 1000 : this.micros + other.micros;
    return PyDateTime.fromMicros(micros, this.isDate, this.utc);
  }
  __sub__(other: unknown): unknown {
    if (other instanceof PyTimedelta) {
      const micros = this.isDate ? this.micros - other.days * DAY_MS * 1000 : this.micros - other.micros;
      return PyDateTime.fromMicros(micros, this.isDate, this.utc);
    }
    if (other instanceof PyDateTime && other.isDate === this.isDate) return new PyTimedelta(this.micros - other.micros);
    return unsupported('-', this, other);
  }
  __cmp__(other: unknown): number {
    if (!(other instanceof PyDateTime) || other.isDate !== this.isDate) {
      throw new PyTypeError(`can't compare ${this.isDate ? 'datetime.date' : 'datetime.datetime'} to another type`);
    }
    return this.micros - other.micros;
  }
}

function timedelta(...args: unknown[]): PyTimedelta {
  const [positional, kw] = keywords(args);
  const names = ['days', 'seconds', 'microseconds', 'milliseconds', 'minutes', 'hours', 'weeks'];
  const scale = [DAY_MS * 1000, 1e6, 1, 1000, 60e6, 3600e6, 7 * DAY_MS * 1000];
  let micros = 0;
  names.forEach((name, i) => {
    const value = i < positional.length ? positional[i] : kw[name];
    if (value !== undefined) micros += num(value) * scale[i]!;
  });
  return new PyTimedelta(Math.round(micros));
}

function parseIso(text: string, isDate: boolean): PyDateTime {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/.exec(text.trim());
  if (!m) throw new Error(`Invalid isoformat string: '${text}'`);
  const [, y, mo, d, h, mi, s, frac] = m;
  return PyDateTime.of(isDate, +y!, +mo!, +d!, +(h ?? 0), +(mi ?? 0), +(s ?? 0), frac ? +frac.padEnd(6, '0') : 0);
}

function strptime(text: unknown, format: unknown): PyDateTime {
  const fields: Record<string, number> = { Y: 1900, m: 1, d: 1, H: 0, M: 0, S: 0, f: 0 };
  const order: string[] = [];
  const pattern = String(format).replace(
    /%([YmdHMSf%])|([.*+?^${}()|[\]\\])/g,
    (_m, c: string | undefined, special: string | undefined) => {
      if (special) return `\\${special}`;
      if (c === '%') return '%';
      order.push(c!);
      return c === 'Y' ? '(\\d{4})' : c === 'f' ? '(\\d{1,6})' : '(\\d{1,2})';
    },
  );
  const m = new RegExp(`^${pattern}$`).exec(String(text));
  if (!m) throw new Error(`time data '${String(text)}' does not match format '${String(format)}'`);
  order.forEach((c, i) => {
    fields[c] = c === 'f' ? Number(m[i + 1]!.padEnd(6, '0')) : Number(m[i + 1]);
  });
  return PyDateTime.of(false, fields.Y!, fields.m!, fields.d!, fields.H!, fields.M!, fields.S!, fields.f!);
}

function nowUtc(): PyDateTime {
  return PyDateTime.fromDate(new Date());
}

export const DATETIME_MODULE = {
  date: Object.assign((...args: unknown[]) => PyDateTime.of(true, num(args[0]), num(args[1]), num(args[2])), {
    today: () => nowUtc().date(),
    fromisoformat: (text: unknown) => parseIso(String(text), true),
  }),
  datetime: Object.assign(
    (...args: unknown[]) => {
      const [p, kw] = keywords(args);
      const names = ['year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond'];
      const values = names.map((n, i) => num(i < p.length ? p[i] : (kw[n] ?? 0)));
      return PyDateTime.of(false, values[0]!, values[1]!, values[2]!, values[3], values[4], values[5], values[6]);
    },
    {
      now: nowUtc,
      today: nowUtc,
      utcnow: nowUtc,
      fromisoformat: (text: unknown) => parseIso(String(text), false),
      strptime,
    },
  ),
  timedelta,
};
