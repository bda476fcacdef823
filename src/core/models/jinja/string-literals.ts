/**
 * What a Jinja2 string literal's text means. Jinja2 reads the text between the
 * quotes as Python does: non-ASCII characters escaped with `backslashreplace`,
 * then decoded with `unicode-escape`. So `'\d+'` keeps its backslash, `'\101'`
 * is `A`, a backslash before a line break joins the lines, and `'\x4'` is a
 * syntax error. nunjucks knew only `\n`, `\t`, `\r` and dropped every other
 * backslash: regex patterns in dbt macros silently lost theirs.
 */

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '\n': '',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

const HEX_ESCAPE_LENGTH: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };

/** A literal Jinja2 refuses to compile, or one the runner refuses (`\N{...}`); the message names the escape. */
export class StringLiteralError extends Error {}

/** The value of a string literal whose raw text (between the quotes) is `raw`. */
export function decodeStringLiteral(raw: string): string {
  const text = backslashReplace(raw.replace(/\r\n?/g, '\n'));
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = text[i + 1];
    if (next === undefined) throw new StringLiteralError('a string literal cannot end in a backslash');
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      out += simple;
      i++;
      continue;
    }
    if (next >= '0' && next <= '7') {
      const digits = /^[0-7]{1,3}/.exec(text.slice(i + 1))![0];
      out += String.fromCodePoint(parseInt(digits, 8));
      i += digits.length;
      continue;
    }
    const hexLength = HEX_ESCAPE_LENGTH[next];
    if (hexLength !== undefined) {
      const hex = text.slice(i + 2, i + 2 + hexLength);
      if (hex.length !== hexLength || !/^[0-9a-fA-F]+$/.test(hex))
        throw new StringLiteralError(`truncated \\${next}${'X'.repeat(hexLength)} escape in a string literal`);
      const code = parseInt(hex, 16);
      if (code > 0x10ffff)
        throw new StringLiteralError(`illegal Unicode character \\${next}${hex} in a string literal`);
      out += String.fromCodePoint(code);
      i += 1 + hexLength;
      continue;
    }
    if (next === 'N')
      // Refused by name (the form syntax.ts's refusals share): it would need Unicode's name table.
      throw new StringLiteralError(
        'A named Unicode escape (\\N{...}) in a string literal is not supported by the built-in runner',
      );
    // Python keeps an unknown escape as it is, backslash included.
    out += '\\' + next;
    i++;
  }
  return out;
}

/** Python's `encode('ascii', 'backslashreplace')`, as a string. */
function backslashReplace(text: string): string {
  if (!/[^\x00-\x7f]/.test(text)) return text;
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code < 0x80) out += ch;
    else if (code <= 0xff) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return out;
}
