import nunjucks from 'nunjucks';
import { decodeStringLiteral, StringLiteralError } from './string-literals';

/**
 * Jinja2 grammar that nunjucks' parser lacks or reads differently, patched
 * onto its Parser: tuples `(a, b)`, trailing commas, `'a' 'b'`, `*args` /
 * `**kwargs` in calls, `for ... if cond`, `{% set a, b = ... %}`, tests with
 * one argument without parentheses (`is divisibleby 3`), `{% break %}` /
 * `{% continue %}`, nested conditional expressions, and float literals kept
 * apart from integers. Constructs that have no faithful translation are
 * refused at parse time with their line (see docs/JINJA.md).
 */

// nunjucks' parser internals (not in its type definitions).
/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyNode = any;
interface Token {
  type: string;
  value: any;
  lineno: number;
  colno: number;
}
interface ParserInternals {
  peekToken(): Token;
  nextToken(withWhitespace?: boolean): Token;
  pushToken(tok: Token): void;
  skip(type: string): boolean;
  skipValue(type: string, value: string): boolean;
  skipSymbol(value: string): boolean;
  fail(message: string, lineno?: number, colno?: number): never;
  error(message: string, lineno?: number, colno?: number): Error;
  advanceAfterBlockEnd(name?: string): Token;
  parseExpression(): AnyNode;
  parseOr(): AnyNode;
  parsePrimary(noPostfix?: boolean): AnyNode;
  parsePostfix(node: AnyNode): AnyNode;
  parseCompare(): AnyNode;
  parseUntilBlocks(...names: string[]): AnyNode;
  parseSignature(tolerant?: boolean, noParens?: boolean): AnyNode;
  parseAggregate(): AnyNode;
  parseStatement(): AnyNode;
}

const lib = nunjucks as unknown as {
  parser: { Parser: { prototype: any } };
  nodes: any;
  lexer: any;
  lib: { TemplateError: new (message: string, lineno: number, colno: number) => Error };
};
const nodes = lib.nodes;
const lexer = lib.lexer;

/** Node types this layer adds; codegen.ts compiles them. */
export const Tuple = nodes.NodeList.extend('Tuple');
export const StarArg = nodes.Node.extend('StarArg', { fields: ['value'] });
export const DStarArg = nodes.Node.extend('DStarArg', { fields: ['value'] });
export const LoopControl = nodes.Node.extend('LoopControl', { fields: ['kind'] });
/** `x[start:stop:step]`, compiled as the three trailing arguments of a member lookup. */
export const SliceNode = nodes.Node.extend('PySlice', { fields: ['start', 'stop', 'step'] });

/** A construct the runner refuses; the parser reports it at its line. */
export function refusal(construct: string): string {
  return `${construct} is not supported by the built-in runner`;
}

let installed = false;

export function installJinjaSyntax(): void {
  if (installed) return;
  installed = true;
  installBalancedBraces();
  installPythonStrings();
  const proto = lib.parser.Parser.prototype as ParserInternals & Record<string, unknown>;
  const originalStatement = proto.parseStatement;

  proto.parsePrimary = function parsePrimary(this: ParserInternals, noPostfix?: boolean): AnyNode {
    const tok = this.nextToken();
    let node: AnyNode = null;
    if (!tok) this.fail('expected expression, got end of file');
    let val: unknown;
    let isFloat = false;
    if (tok.type === lexer.TOKEN_STRING) {
      // 'a' 'b' is one string in Jinja, as in Python.
      let text = String(tok.value);
      while (this.peekToken()?.type === lexer.TOKEN_STRING) text += String(this.nextToken().value);
      val = text;
    } else if (tok.type === lexer.TOKEN_INT) val = parseInt(String(tok.value), 10);
    else if (tok.type === lexer.TOKEN_FLOAT) {
      val = parseFloat(String(tok.value));
      isFloat = true;
    } else if (tok.type === lexer.TOKEN_BOOLEAN) val = tok.value === 'true';
    else if (tok.type === lexer.TOKEN_NONE) val = null;
    else if (tok.type === lexer.TOKEN_REGEX) this.fail(refusal('A regular expression literal'), tok.lineno, tok.colno);
    if (val !== undefined) {
      node = new nodes.Literal(tok.lineno, tok.colno, val);
      if (isFloat) node.isFloat = true;
    } else if (tok.type === lexer.TOKEN_SYMBOL) {
      node = new nodes.Symbol(tok.lineno, tok.colno, tok.value);
    } else {
      this.pushToken(tok);
      node = this.parseAggregate();
    }
    if (!noPostfix) node = this.parsePostfix(node);
    if (!node) throw this.error(`unexpected token: ${String(tok.value)}`, tok.lineno, tok.colno);
    return node;
  };

  proto.parseAggregate = function parseAggregate(this: ParserInternals): AnyNode {
    const tok = this.nextToken();
    let node: AnyNode;
    let closer: string;
    switch (tok.type) {
      case lexer.TOKEN_LEFT_PAREN:
        node = new nodes.Group(tok.lineno, tok.colno);
        closer = lexer.TOKEN_RIGHT_PAREN;
        break;
      case lexer.TOKEN_LEFT_BRACKET:
        node = new nodes.Array(tok.lineno, tok.colno);
        closer = lexer.TOKEN_RIGHT_BRACKET;
        break;
      case lexer.TOKEN_LEFT_CURLY:
        node = new nodes.Dict(tok.lineno, tok.colno);
        closer = lexer.TOKEN_RIGHT_CURLY;
        break;
      default:
        this.pushToken(tok);
        return null;
    }
    let sawComma = false;
    for (;;) {
      if (this.peekToken().type === closer) {
        this.nextToken();
        break;
      }
      if (node.children.length > 0) {
        if (!this.skip(lexer.TOKEN_COMMA)) this.fail('expected comma after expression', tok.lineno, tok.colno);
        sawComma = true;
        // A trailing comma: `[1, 2,]`, `(1,)`.
        if (this.peekToken().type === closer) {
          this.nextToken();
          break;
        }
      }
      if (node instanceof nodes.Array && node.children.length === 0) {
        const slice = parseSlice(this, closer);
        node.addChild(slice instanceof SliceNode ? slice : slice.index);
        continue;
      }
      if (node instanceof nodes.Dict) {
        // Keys are expressions in Jinja: `{col.name | lower: col.data_type}`.
        const key = this.parseExpression();
        if (!this.skip(lexer.TOKEN_COLON)) this.fail('expected colon after dict key', tok.lineno, tok.colno);
        const value = this.parseExpression();
        node.addChild(new nodes.Pair(key.lineno, key.colno, key, value));
      } else {
        node.addChild(this.parseExpression());
      }
    }
    // `(a, b)`, `(a,)` and `()` are tuples; `(a)` is grouping.
    if (node instanceof nodes.Group && (sawComma || node.children.length === 0)) {
      return new Tuple(node.lineno, node.colno, node.children);
    }
    return node;
  };

  // `{% if x: %}`: Jinja skips one colon before a block end, for Python habits.
  proto.advanceAfterBlockEnd = function advanceAfterBlockEnd(this: ParserInternals, name?: string): Token {
    if (!name) {
      const tok = this.peekToken();
      if (!tok) this.fail('unexpected end of file');
      if (tok.type !== lexer.TOKEN_SYMBOL) this.fail('expected a tag name before the block end');
      name = String(this.nextToken().value);
    }
    this.skip(lexer.TOKEN_COLON);
    const tok = this.nextToken();
    if (!tok || tok.type !== lexer.TOKEN_BLOCK_END) this.fail(`expected block end in ${name} statement`);
    if (String(tok.value).charAt(0) === '-')
      (this as unknown as { dropLeadingWhitespace: boolean }).dropLeadingWhitespace = true;
    return tok;
  };

  proto.parseSignature = function parseSignature(this: ParserInternals, tolerant?: boolean, noParens?: boolean) {
    let tok = this.peekToken();
    if (!noParens && tok.type !== lexer.TOKEN_LEFT_PAREN) {
      if (tolerant) return null;
      this.fail('expected arguments', tok.lineno, tok.colno);
    }
    if (tok.type === lexer.TOKEN_LEFT_PAREN) tok = this.nextToken();
    const args = new nodes.NodeList(tok.lineno, tok.colno);
    const kwargs = new nodes.KeywordArgs(tok.lineno, tok.colno);
    const splats: AnyNode[] = [];
    let checkComma = false;
    for (;;) {
      tok = this.peekToken();
      if (!noParens && tok.type === lexer.TOKEN_RIGHT_PAREN) {
        this.nextToken();
        break;
      } else if (noParens && tok.type === lexer.TOKEN_BLOCK_END) break;
      if (checkComma) {
        if (!this.skip(lexer.TOKEN_COMMA)) this.fail('expected comma after expression', tok.lineno, tok.colno);
        // A trailing comma before `)`.
        const after = this.peekToken();
        if (!noParens && after.type === lexer.TOKEN_RIGHT_PAREN) {
          this.nextToken();
          break;
        }
      }
      const star = this.peekToken();
      if (star.type === lexer.TOKEN_OPERATOR && (star.value === '*' || star.value === '**')) {
        this.nextToken();
        const value = this.parseExpression();
        splats.push(new (star.value === '*' ? StarArg : DStarArg)(star.lineno, star.colno, value));
      } else {
        const arg = this.parseExpression();
        if (this.skipValue(lexer.TOKEN_OPERATOR, '=')) {
          kwargs.addChild(new nodes.Pair(arg.lineno, arg.colno, arg, this.parseExpression()));
        } else args.addChild(arg);
      }
      checkComma = true;
    }
    for (const splat of splats) if (splat instanceof StarArg) args.addChild(splat);
    if (kwargs.children.length) args.addChild(kwargs);
    for (const splat of splats) if (splat instanceof DStarArg) args.addChild(splat);
    return args;
  };

  // Jinja: `a if b else c if d else e` nests to the right.
  proto.parseInlineIf = function parseInlineIf(this: ParserInternals): AnyNode {
    let node = this.parseOr();
    while (this.skipSymbol('if')) {
      const cond = this.parseOr();
      const body = node;
      node = new nodes.InlineIf(body.lineno, body.colno);
      node.body = body;
      node.cond = cond;
      node.else_ = this.skipSymbol('else') ? (this as unknown as { parseInlineIf(): AnyNode }).parseInlineIf() : null;
    }
    return node;
  };

  // Jinja applies filters and tests to the operand they follow, before any
  // arithmetic or comparison: `1 + 2 is number` tests 2, as `x | f` filters x.
  proto.parseIs = function parseIs(this: ParserInternals): AnyNode {
    return this.parseCompare();
  };
  proto.parseFilter = function parseFilter(this: ParserInternals, start: AnyNode): AnyNode {
    let node = start;
    for (;;) {
      if (this.skip(lexer.TOKEN_PIPE)) {
        const name = (this as unknown as { parseFilterName(): AnyNode }).parseFilterName();
        const args = (this as unknown as { parseFilterArgs(n: AnyNode): AnyNode[] }).parseFilterArgs(name);
        node = new nodes.Filter(
          name.lineno,
          name.colno,
          name,
          new nodes.NodeList(name.lineno, name.colno, [node, ...args]),
        );
      } else if (this.skipSymbol('is')) {
        node = parseTest(this, node);
      } else break;
    }
    return node;
  };

  proto.parseFor = function parseFor(this: ParserInternals): AnyNode {
    const forTok = this.peekToken();
    if (!this.skipSymbol('for')) this.fail(refusal('An async loop'), forTok.lineno, forTok.colno);
    const node = new nodes.For(forTok.lineno, forTok.colno);
    node.name = parseTargets(this, forTok);
    if (!this.skipSymbol('in')) this.fail('expected "in" in the for loop', forTok.lineno, forTok.colno);
    // The iterable stops before `if` (a loop filter, not a conditional expression).
    let arr = this.parseOr();
    if (this.peekToken().type === lexer.TOKEN_COMMA) {
      const items = [arr];
      while (this.skip(lexer.TOKEN_COMMA)) items.push(this.parseOr());
      arr = new Tuple(arr.lineno, arr.colno, items);
    }
    node.arr = arr;
    if (this.skipSymbol('if')) node.loopFilter = this.parseExpression();
    if (this.skipSymbol('recursive')) this.fail(refusal('A recursive for loop'), forTok.lineno, forTok.colno);
    this.advanceAfterBlockEnd(forTok.value);
    node.body = this.parseUntilBlocks('endfor', 'else');
    if (this.skipSymbol('else')) {
      this.advanceAfterBlockEnd('else');
      node.else_ = this.parseUntilBlocks('endfor');
    }
    this.advanceAfterBlockEnd();
    return node;
  };

  proto.parseSet = function parseSet(this: ParserInternals): AnyNode {
    const tag = this.peekToken();
    this.skipSymbol('set');
    const node = new nodes.Set(tag.lineno, tag.colno, []);
    const targets = parseTargets(this, tag);
    node.targets = targets instanceof nodes.Array ? targets.children : [targets];
    node.unpack = targets instanceof nodes.Array;
    if (this.skipValue(lexer.TOKEN_OPERATOR, '=')) {
      let value = this.parseExpression();
      if (this.peekToken().type === lexer.TOKEN_COMMA) {
        const items = [value];
        while (this.skip(lexer.TOKEN_COMMA)) {
          if (this.peekToken().type === lexer.TOKEN_BLOCK_END) break;
          items.push(this.parseExpression());
        }
        value = new Tuple(value.lineno, value.colno, items);
      }
      node.value = value;
      this.advanceAfterBlockEnd(tag.value);
      return node;
    }
    if (node.unpack) this.fail('expected = in set statement', tag.lineno, tag.colno);
    if (this.peekToken().type === lexer.TOKEN_PIPE) {
      this.fail(refusal('A filtered block set ({% set x | filter %})'), tag.lineno, tag.colno);
    }
    // Block set: `{% set x -%}` trims like any block end.
    this.advanceAfterBlockEnd(tag.value);
    node.body = new nodes.Capture(tag.lineno, tag.colno, this.parseUntilBlocks('endset'));
    node.value = null;
    this.advanceAfterBlockEnd();
    return node;
  };

  proto.parseStatement = function parseStatement(this: ParserInternals): AnyNode {
    const tok = this.peekToken();
    if (tok.type === lexer.TOKEN_SYMBOL) {
      const breakOn = (this as unknown as { breakOnBlocks?: string[] }).breakOnBlocks;
      if (breakOn && breakOn.includes(String(tok.value))) return null;
      if (tok.value === 'break' || tok.value === 'continue') {
        this.nextToken();
        this.advanceAfterBlockEnd(String(tok.value));
        return new LoopControl(tok.lineno, tok.colno, String(tok.value));
      }
      const refused = REFUSED_TAGS[String(tok.value)];
      if (refused) this.fail(refusal(refused), tok.lineno, tok.colno);
    }
    return originalStatement.call(this);
  };
}

interface TokenizerInternals {
  in_code: boolean;
  str: string;
  index: number;
  lineno: number;
  colno: number;
  forward(): void;
  current(): string;
  isFinished(): boolean;
  nextToken(): Token | null;
  _parseString(delimiter: string): string;
  lh_depth?: number;
}

/**
 * String literals read as Jinja2 reads them (string-literals.ts): the text up to the
 * closing quote is kept raw, backslash pairs included, then decoded with Python's rules.
 */
function installPythonStrings(): void {
  const tokenizer = Object.getPrototypeOf(lexer.lex('')) as TokenizerInternals;
  tokenizer._parseString = function parseString(this: TokenizerInternals, delimiter: string): string {
    const lineno = this.lineno;
    const colno = this.colno;
    this.forward();
    let raw = '';
    while (!this.isFinished() && this.current() !== delimiter) {
      if (this.current() === '\\') {
        raw += '\\';
        this.forward();
        if (this.isFinished()) break;
      }
      raw += this.current();
      this.forward();
    }
    this.forward();
    try {
      return decodeStringLiteral(raw);
    } catch (error) {
      if (!(error instanceof StringLiteralError)) throw error;
      throw new lib.lib.TemplateError(error.message, lineno + 1, colno + 1);
    }
  };
}

/**
 * `{% set d = {'a': {'b': 1}} %}`: nunjucks' lexer reads the `}}` as the end
 * of a variable tag. Jinja's lexer knows it is inside braces; so does this.
 */
function installBalancedBraces(): void {
  const tokenizer = Object.getPrototypeOf(lexer.lex('')) as TokenizerInternals;
  const original = tokenizer.nextToken;
  tokenizer.nextToken = function nextToken(this: TokenizerInternals): Token | null {
    const depth = this.lh_depth ?? 0;
    if (this.in_code && depth > 0 && this.str.charAt(this.index) === '}') {
      const tok = { type: lexer.TOKEN_RIGHT_CURLY, value: '}', lineno: this.lineno, colno: this.colno };
      this.forward();
      this.lh_depth = depth - 1;
      return tok;
    }
    const tok = original.call(this);
    if (!tok) return tok;
    if (tok.type === lexer.TOKEN_SYMBOL && /^\d[\d_]*(?:[eE][+-]?\d+)?$/.test(String(tok.value))) {
      const text = String(tok.value).replace(/_/g, '');
      return { ...tok, type: /[eE]/.test(text) ? lexer.TOKEN_FLOAT : lexer.TOKEN_INT, value: text };
    }
    if (tok.type === lexer.TOKEN_INT || tok.type === lexer.TOKEN_FLOAT) {
      // `1e20`, `1.5e-7`, `1_000`: number forms nunjucks' lexer stops short of.
      const rest = /^(?:_\d+)*(?:[eE][+-]?\d+)?/.exec(this.str.slice(this.index))![0];
      if (rest) {
        for (let i = 0; i < rest.length; i++) this.forward();
        const text = (String(tok.value) + rest).replace(/_/g, '');
        const isFloat = tok.type === lexer.TOKEN_FLOAT || /[eE]/.test(rest);
        return { ...tok, type: isFloat ? lexer.TOKEN_FLOAT : lexer.TOKEN_INT, value: text };
      }
    }
    if (
      tok.type === lexer.TOKEN_LEFT_CURLY ||
      tok.type === lexer.TOKEN_LEFT_BRACKET ||
      tok.type === lexer.TOKEN_LEFT_PAREN
    ) {
      this.lh_depth = depth + 1;
    } else if (
      tok.type === lexer.TOKEN_RIGHT_CURLY ||
      tok.type === lexer.TOKEN_RIGHT_BRACKET ||
      tok.type === lexer.TOKEN_RIGHT_PAREN
    ) {
      this.lh_depth = Math.max(0, depth - 1);
    } else if (tok.type === lexer.TOKEN_BLOCK_END || tok.type === lexer.TOKEN_VARIABLE_END) {
      this.lh_depth = 0;
    }
    return tok;
  };
}

const REFUSED_TAGS: Record<string, string> = {
  with: 'The {% with %} block',
  extends: 'Template inheritance ({% extends %})',
  block: 'Template inheritance ({% block %})',
  include: '{% include %}',
  import: '{% import %}',
  from: '{% from ... import %}',
  switch: '{% switch %} (not Jinja)',
  asyncEach: '{% asyncEach %} (not Jinja)',
  asyncAll: '{% asyncAll %} (not Jinja)',
  ifAsync: '{% ifAsync %} (not Jinja)',
  verbatim: '{% verbatim %} (not Jinja)',
  autoescape: '{% autoescape %}',
  trans: '{% trans %}',
};

/** After `[`: a slice if a `:` comes before the closing bracket at this level, else null (nothing consumed). */
function parseSlice(parser: ParserInternals, closer: string): AnyNode {
  const first = parser.peekToken();
  let start: AnyNode = null;
  if (first.type !== lexer.TOKEN_COLON) {
    start = parser.parseExpression();
    if (parser.peekToken().type !== lexer.TOKEN_COLON) {
      // Not a slice: hand the parsed index back as the aggregate's only child.
      return { index: start };
    }
  }
  parser.nextToken();
  const parts: AnyNode[] = [start];
  for (let i = 0; i < 2; i++) {
    const tok = parser.peekToken();
    if (tok.type === closer) break;
    if (tok.type === lexer.TOKEN_COLON) {
      parts.push(null);
      parser.nextToken();
      continue;
    }
    parts.push(parser.parseExpression());
    if (parser.peekToken().type === lexer.TOKEN_COLON) parser.nextToken();
    else break;
  }
  const literal = (n: AnyNode) => n ?? new nodes.Literal(first.lineno, first.colno, null);
  return new SliceNode(first.lineno, first.colno, literal(parts[0]), literal(parts[1]), literal(parts[2]));
}

function parseTest(parser: ParserInternals, node: AnyNode): AnyNode {
  const negated = parser.skipSymbol('not');
  const nameTok = parser.nextToken();
  if (
    nameTok.type !== lexer.TOKEN_SYMBOL &&
    nameTok.type !== lexer.TOKEN_NONE &&
    nameTok.type !== lexer.TOKEN_BOOLEAN
  ) {
    parser.fail('expected a test name after "is"', nameTok.lineno, nameTok.colno);
  }
  let name = String(nameTok.value);
  while (parser.skipValue(lexer.TOKEN_OPERATOR, '.')) name += `.${String(parser.nextToken().value)}`;
  const symbol = new nodes.Symbol(nameTok.lineno, nameTok.colno, name);
  let right: AnyNode = symbol;
  const next = parser.peekToken();
  if (next.type === lexer.TOKEN_LEFT_PAREN) {
    right = new nodes.FunCall(next.lineno, next.colno, symbol, parser.parseSignature());
  } else if (startsTestArgument(next)) {
    // `is divisibleby 3`, `is sameas none`: one argument, no parentheses.
    const arg = parser.parsePostfix(parser.parsePrimary(true));
    right = new nodes.FunCall(next.lineno, next.colno, symbol, new nodes.NodeList(next.lineno, next.colno, [arg]));
  }
  const test = new nodes.Is(node.lineno, node.colno, node, right);
  return negated ? new nodes.Not(node.lineno, node.colno, test) : test;
}

function startsTestArgument(tok: Token): boolean {
  if (tok.type === lexer.TOKEN_SYMBOL)
    return !['else', 'or', 'and', 'if', 'in', 'is', 'not'].includes(String(tok.value));
  return [
    lexer.TOKEN_STRING,
    lexer.TOKEN_INT,
    lexer.TOKEN_FLOAT,
    lexer.TOKEN_BOOLEAN,
    lexer.TOKEN_NONE,
    lexer.TOKEN_LEFT_BRACKET,
    lexer.TOKEN_LEFT_CURLY,
  ].includes(tok.type);
}

/** `x`, `a, b` or `(a, b)` as assignment targets; nested unpacking is refused. */
function parseTargets(parser: ParserInternals, tag: Token): AnyNode {
  const names: AnyNode[] = [];
  let parenthesized = false;
  let sawComma = false;
  if (parser.skip(lexer.TOKEN_LEFT_PAREN)) parenthesized = true;
  for (;;) {
    const tok = parser.peekToken();
    if (tok.type === lexer.TOKEN_LEFT_PAREN)
      parser.fail(refusal('Nested unpacking of loop or set targets'), tok.lineno, tok.colno);
    const target = parser.parsePrimary(true);
    if (!(target instanceof nodes.Symbol)) parser.fail('expected a variable name', tag.lineno, tag.colno);
    // `set ns.attr = ...` is rewritten before parsing (environment.ts).
    names.push(target);
    if (!parser.skip(lexer.TOKEN_COMMA)) break;
    sawComma = true;
    const next = parser.peekToken();
    if (next.type === lexer.TOKEN_SYMBOL && next.value === 'in') break;
    if (next.type === lexer.TOKEN_RIGHT_PAREN || (next.type === lexer.TOKEN_OPERATOR && next.value === '=')) break;
  }
  if (parenthesized) {
    if (!parser.skip(lexer.TOKEN_RIGHT_PAREN)) parser.fail('expected )', tag.lineno, tag.colno);
    const next = parser.peekToken();
    if (next.type === lexer.TOKEN_COMMA)
      parser.fail(refusal('Nested unpacking of loop or set targets'), next.lineno, next.colno);
  }
  if (names.length === 1 && !sawComma) return names[0];
  return new nodes.Array(tag.lineno, tag.colno, names);
}
