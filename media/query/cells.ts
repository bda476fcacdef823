/**
 * How one cell is shown: pure, no DOM, so the rules are unit-tested.
 * Values arrive from the engine as exact text (or null for SQL NULL); the
 * grid only decides presentation and never parses numbers.
 */
import type { Cell, ColumnDisplay } from '../../src/core/query/types';

export interface CellView {
  /** The text the cell's DOM holds (textContent), never HTML. */
  text: string;
  /** 'null' styles the NULL marker; the DOM also carries data-null so a string "NULL" stays distinguishable. */
  kind: 'null' | 'empty' | 'value';
  align: 'start' | 'end';
  expandable: boolean;
}

export function cellView(cell: Cell, display: ColumnDisplay): CellView {
  if (cell === null) return { text: 'NULL', kind: 'null', align: 'start', expandable: false };
  return {
    text: cell,
    kind: cell === '' ? 'empty' : 'value',
    align: display === 'number' ? 'end' : 'start',
    expandable: display === 'json' && cell.length > 2,
  };
}

/** A short single-line type label for the header, e.g. `DECIMAL(38,10)`, `STRUCT(…)`. */
export function typeLabel(type: string, max = 24): string {
  const flat = type.replace(/\s+/g, ' ');
  if (flat.length <= max) return flat;
  const paren = flat.indexOf('(');
  return paren > 0 && paren < max - 2 ? `${flat.slice(0, paren)}(…)` : `${flat.slice(0, max - 1)}…`;
}

/**
 * Re-indents compact JSON for the expanded view without parsing it, so
 * numbers beyond 2^53 keep every digit. Text inside strings is untouched.
 */
export function prettyJson(text: string, indent = '  '): string {
  let out = '';
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) {
      out += ch;
      if (ch === '\\') out += text[++i] ?? '';
      else if (ch === '"') inString = false;
      continue;
    }
    switch (ch) {
      case '"':
        inString = true;
        out += ch;
        break;
      case '{':
      case '[': {
        const close = ch === '{' ? '}' : ']';
        let j = i + 1;
        while (text[j] === ' ') j++;
        if (text[j] === close) {
          out += ch + close;
          i = j;
        } else {
          depth++;
          out += `${ch}\n${indent.repeat(depth)}`;
        }
        break;
      }
      case '}':
      case ']':
        depth = Math.max(0, depth - 1);
        out += `\n${indent.repeat(depth)}${ch}`;
        break;
      case ',':
        out += `,\n${indent.repeat(depth)}`;
        while (text[i + 1] === ' ') i++;
        break;
      case ':':
        out += ': ';
        while (text[i + 1] === ' ') i++;
        break;
      default:
        out += ch;
    }
  }
  return out;
}

/** Thousands separators for counts (row counts, request counts); exact for any integer text. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
