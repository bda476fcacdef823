import nunjucks from 'nunjucks';
import { DStarArg, SliceNode, StarArg, Tuple } from './syntax';
import * as py from './py-values';
import { PyLoop } from './loop';
import { UndefinedError } from './undefined';

/**
 * Code generation with Jinja2's semantics, patched onto nunjucks' Compiler:
 * operators, comparisons, truth tests and printing go through the Python
 * helpers (py-values.ts) instead of JavaScript's; `for` loops get Jinja's
 * scoping, unpacking, filters and `loop` object; macros bind arguments like
 * Jinja (`varargs`, `kwargs`, errors for unexpected arguments) and restore
 * the caller's frame when `return()` unwinds through them.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyNode = any;
interface CompilerInternals {
  _emit(code: string): void;
  _emitLine(code: string): void;
  _tmpid(): string;
  _pushBuffer(): string;
  _popBuffer(): void;
  _withScopedSyntax(fn: () => void): void;
  _compileExpression(node: AnyNode, frame: AnyNode): void;
  _compileAggregate(node: AnyNode, frame: AnyNode, start?: string, end?: string): void;
  _getNodeName(node: AnyNode): string;
  compile(node: AnyNode, frame: AnyNode): void;
  fail(message: string, lineno?: number, colno?: number): never;
  buffer: string;
}

const lib = nunjucks as unknown as {
  compiler: { Compiler: { prototype: any } };
  nodes: any;
  runtime: any;
};
const nodes = lib.nodes;
const runtime = lib.runtime;

/** The helpers compiled templates call, as `runtime.lh.*`. */
const helpers = {
  ...py,
  pyDict(pairs: Array<[unknown, unknown]>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of pairs) {
      const stored = py.dictKeyOf(key);
      if (stored === undefined) {
        throw new Error(`A dict key that is not a string (${py.pyRepr(key)}) is not supported by the built-in runner`);
      }
      out[stored] = value;
      py.rememberKey(out, stored, key);
    }
    return out;
  },
  PyLoop,
  bool: py.pyBool,
  compareChain(first: unknown, rest: unknown[]): boolean {
    let left = first;
    for (let i = 0; i < rest.length; i += 2) {
      const right = rest[i + 1];
      if (!py.pyCompare(left, rest[i] as string, right)) return false;
      left = right;
    }
    return true;
  },
  spreadArgs(
    positional: unknown[],
    star: unknown,
    keywords: Record<string, unknown> | null,
    dstar: unknown,
  ): unknown[] {
    const args = [...positional];
    if (star !== undefined) args.push(...py.pyIterate(star));
    const merged: Record<string, unknown> = { ...(keywords ?? {}) };
    delete merged.__keywords;
    if (dstar !== undefined) {
      if (!py.isDict(dstar)) throw new py.PyTypeError('argument after ** must be a mapping');
      for (const [k, v] of Object.entries(dstar)) {
        if (k === '__keywords') continue;
        if (k in merged) throw new py.PyTypeError(`got multiple values for keyword argument '${k}'`);
        merged[k] = v;
      }
    }
    if (Object.keys(merged).length) args.push(runtime.makeKeywordArgs(merged));
    return args;
  },
  makeMacro,
  defined(value: unknown, name: string): unknown {
    if (value === undefined) throw new UndefinedError(`'${name.replace(/\["([^"]*)"\]/g, '.$1')}' is undefined`);
    return value;
  },
};

let installed = false;

export function installJinjaCodegen(): void {
  if (installed) return;
  installed = true;
  runtime.lh = helpers;
  // `{{ x }}` prints Python's str(x): True, None, ['a'], 2.0.
  runtime.suppressValue = (value: unknown) => py.pyStr(value);
  const proto = lib.compiler.Compiler.prototype as CompilerInternals & Record<string, unknown>;
  const originalAssertType = proto.assertType as (node: AnyNode, ...types: unknown[]) => void;
  const originalLiteral = proto.compileLiteral as (this: CompilerInternals, node: AnyNode, frame: AnyNode) => void;

  // Statements record their line, so a render error in a filter or operator points at it.
  const originalCompile = proto.compile as (this: CompilerInternals, node: AnyNode, frame: AnyNode) => void;
  const STATEMENTS = [nodes.Output, nodes.If, nodes.For, nodes.Set, nodes.CallExtension];
  proto.compile = function compile(this: CompilerInternals, node: AnyNode, frame: AnyNode) {
    if (STATEMENTS.some((type) => node instanceof type) && typeof node.lineno === 'number') {
      this._emitLine(`lineno = ${String(node.lineno)}; colno = ${String(node.colno)};`);
    }
    originalCompile.call(this, node, frame);
  };

  proto.assertType = function assertType(this: CompilerInternals, node: AnyNode, ...types: unknown[]) {
    if (node instanceof Tuple || node instanceof StarArg || node instanceof DStarArg || node instanceof SliceNode)
      return;
    originalAssertType.call(this, node, ...types);
  };

  proto.compileLiteral = function compileLiteral(this: CompilerInternals, node: AnyNode, frame: AnyNode) {
    if (node.isFloat && Number.isInteger(node.value)) {
      this._emit(`runtime.lh.pyFloat(${String(node.value)})`);
      return;
    }
    originalLiteral.call(this, node, frame);
  };

  // Dict literals with computed keys; keys must be strings (see docs/JINJA.md). A bare name is a
  // variable, as in Python (`{a: 1}` is keyed by a's value; nunjucks read it as the string 'a'),
  // except in a call's keyword arguments, which nunjucks also compiles here.
  proto.compileDict = function compileDict(this: CompilerInternals, node: AnyNode, frame: AnyNode) {
    const keywordArgs = node instanceof nodes.KeywordArgs;
    this._emit('runtime.lh.pyDict([');
    node.children.forEach((pair: AnyNode, i: number) => {
      if (i > 0) this._emit(', ');
      this._emit('[');
      if (keywordArgs && pair.key instanceof nodes.Symbol) this._emit(JSON.stringify(pair.key.value));
      else this.compile(pair.key, frame);
      this._emit(', ');
      this._compileExpression(pair.value, frame);
      this._emit(']');
    });
    this._emit('])');
  };

  proto.compileTuple = function compileTuple(this: CompilerInternals, node: AnyNode, frame: AnyNode) {
    this._emit('runtime.lh.pyTuple(');
    this._compileAggregate(node, frame, '[', ']');
    this._emit(')');
  };

  const binary = (helper: string) =>
    function (this: CompilerInternals, node: AnyNode, frame: AnyNode) {
      this._emit(`runtime.lh.${helper}(`);
      this.compile(node.left, frame);
      this._emit(', ');
      this.compile(node.right, frame);
      this._emit(')');
    };
  proto.compileAdd = binary('pyAdd');
  proto.compileSub = binary('pySub');
  proto.compileMul = binary('pyMul');
  proto.compileDiv = binary('pyDiv');
  proto.compileFloorDiv = binary('pyFloorDiv');
  proto.compileMod = binary('pyMod');
  proto.compilePow = binary('pyPow');
  proto.compileConcat = binary('pyConcat');
  proto.compileIn = binary('pyIn');

  const unary = (helper: string) =>
    function (this: CompilerInternals, node: AnyNode, frame: AnyNode) {
      this._emit(`runtime.lh.${helper}(`);
      this.compile(node.target, frame);
      this._emit(')');
    };
  proto.compileNeg = unary('pyNeg');
  proto.compilePos = unary('pyPos');
  proto.compileNot = function compileNot(this: CompilerInternals, node: AnyNode, frame: AnyNode) {
    this._emit('!runtime.lh.bool(');
    this.compile(node.target, frame);
    this._emit(')');
  };

  // `a or b` / `a and b` return an operand, by Python truthiness, evaluating b only when needed.
  const logical = (isOr: boolean) =>
    function (this: CompilerInternals, node: AnyNode, frame: AnyNode) {
      this._emit('(function (left) { return runtime.lh.bool(left) ? ');
      if (isOr) this._emit('left : ');
      this._emit('(');
      this.compile(node.right, frame);
      this._emit(')');
      if (!isOr) this._emit(' : left');
      this._emit('; })(');
      this.compile(node.left, frame);
      this._emit(')');
    };
  proto.compileOr = logical(true);
  proto.compileAnd = logical(false);

  proto.compileInlineIf = function compileInlineIf(this: CompilerInternals, node: AnyNode, frame: AnyNode) {
    this._emit('(runtime.lh.bool(');
    this.compile(node.cond, frame);
    this._emit(') ? (');
    this.compile(node.body, frame);
    this._emit(') : (');
    if (node.else_) this.compile(node.else_, frame);
    else this._emit('undefined');
    this._emit('))');
  };

  proto.compileIf = function compileIf(this: CompilerInternals, node: AnyNode, frame: AnyNode) {
    this._emit('if(runtime.lh.bool(');
    this._compileExpression(node.cond, frame);
    this._emitLine(')) {');
    this._withScopedSyntax(() => this.compile(node.body, frame));
    if (node.else_) {
      this._emitLine('}\nelse {');
      this._withScopedSyntax(() => this.compile(node.else_, frame));
    }
    this._emitLine('}');
  };

  proto.compileCompare = function compileCompare(this: CompilerInternals, node: AnyNode, frame: AnyNode) {
    this._emit('runtime.lh.compareChain(');
    this.compile(node.expr, frame);
    this._emit(', [');
    node.ops.forEach((op: AnyNode, i: number) => {
      if (i > 0) this._emit(', ');
      const operator = op.type === '===' ? '==' : op.type === '!==' ? '!=' : op.type;
      this._emit(`${JSON.stringify(operator)}, `);
      this.compile(op.expr, frame);
    });
    this._emit('])');
  };

  proto.compileFunCall = function compileFunCall(this: CompilerInternals, node: AnyNode, frame: AnyNode) {
    const children: AnyNode[] = node.args.children;
    if (!children.some((c) => c instanceof StarArg || c instanceof DStarArg)) {
      // nunjucks' own, except that the callee's name (used in error messages) is a JSON string:
      // nunjucks pasted it between quotes raw, so `'a\nb'.upper()` compiled to a JavaScript syntax error.
      this._emit(`(lineno = ${String(node.lineno)}, colno = ${String(node.colno)}, runtime.callWrap(`);
      this._compileExpression(node.name, frame);
      this._emit(`, ${JSON.stringify(this._getNodeName(node.name))}, context, `);
      this._compileAggregate(node.args, frame, '[', '])');
      this._emit(')');
      return;
    }
    const positional = children.filter(
      (c) => !(c instanceof StarArg || c instanceof DStarArg || c instanceof nodes.KeywordArgs),
    );
    const star = children.find((c) => c instanceof StarArg);
    const keywords = children.find((c) => c instanceof nodes.KeywordArgs);
    const dstar = children.find((c) => c instanceof DStarArg);
    this._emit(`(lineno = ${String(node.lineno)}, colno = ${String(node.colno)}, runtime.callWrap(`);
    this._compileExpression(node.name, frame);
    this._emit(`, ${JSON.stringify(this._getNodeName(node.name))}, context, runtime.lh.spreadArgs([`);
    positional.forEach((child, i) => {
      if (i > 0) this._emit(', ');
      this.compile(child, frame);
    });
    this._emit('], ');
    if (star) this.compile(star.value, frame);
    else this._emit('undefined');
    this._emit(', ');
    if (keywords) this.compile(keywords, frame);
    else this._emit('null');
    this._emit(', ');
    if (dstar) this.compile(dstar.value, frame);
    else this._emit('undefined');
    this._emit(')))');
  };

  proto.compilePySlice = function compilePySlice(this: CompilerInternals, node: AnyNode, frame: AnyNode) {
    this.compile(node.start, frame);
    this._emit(', ');
    this.compile(node.stop, frame);
    this._emit(', ');
    this.compile(node.step, frame);
  };

  // `x.y` / `x[k]`: reading through a name that is not defined names it, as Jinja2 does.
  proto.compileLookupVal = function compileLookupVal(this: CompilerInternals, node: AnyNode, frame: AnyNode) {
    this._emit('runtime.memberLookup((');
    if (node.target instanceof nodes.Symbol || node.target instanceof nodes.LookupVal) {
      this._emit('runtime.lh.defined(');
      this._compileExpression(node.target, frame);
      this._emit(`, ${JSON.stringify(this._getNodeName(node.target))})`);
    } else this._compileExpression(node.target, frame);
    this._emit('),');
    this._compileExpression(node.val, frame);
    this._emit(')');
  };

  proto.compileLoopControl = function compileLoopControl(this: CompilerInternals, node: AnyNode) {
    this._emitLine(`${node.kind as string};`);
  };

  proto.compileSet = function compileSet(this: CompilerInternals, node: AnyNode, frame: AnyNode) {
    const ids = node.targets.map((target: AnyNode) => {
      let id = frame.lookup(target.value) as string | undefined | null;
      if (id === null || id === undefined) {
        id = this._tmpid();
        this._emitLine(`var ${id};`);
      }
      return id;
    });
    if (node.unpack) {
      const values = this._tmpid();
      this._emit(`var ${values} = runtime.lh.pyUnpack(`);
      this._compileExpression(node.value, frame);
      this._emitLine(`, ${String(ids.length)});`);
      ids.forEach((id: string, i: number) => this._emitLine(`${id} = ${values}[${String(i)}];`));
    } else {
      this._emit(`${ids[0] as string} = `);
      if (node.value) this._compileExpression(node.value, frame);
      else this.compile(node.body, frame);
      this._emitLine(';');
    }
    node.targets.forEach((target: AnyNode, i: number) => {
      const name = JSON.stringify(target.value);
      const id = ids[i] as string;
      this._emitLine(`frame.set(${name}, ${id}, true);`);
      this._emitLine(`if(frame.topLevel) { context.setVariable(${name}, ${id}); }`);
      if (!String(target.value).startsWith('_'))
        this._emitLine(`if(frame.topLevel) { context.addExport(${name}, ${id}); }`);
    });
  };

  proto.compileFor = function compileFor(this: CompilerInternals, node: AnyNode, frame: AnyNode) {
    const arr = this._tmpid();
    const i = this._tmpid();
    const len = this._tmpid();
    const loop = this._tmpid();
    const names: AnyNode[] = node.name instanceof nodes.Array ? node.name.children : [node.name];
    const unpack = node.name instanceof nodes.Array;
    // Jinja: names set inside the loop do not leak out of it.
    frame = frame.push(true);
    this._emitLine('frame = frame.push(true);');
    this._emit(`var ${arr} = runtime.lh.pyIterate(`);
    this._compileExpression(node.arr, frame);
    this._emitLine(');');
    const bind = (item: string) => {
      const values = this._tmpid();
      if (unpack) this._emitLine(`var ${values} = runtime.lh.pyUnpack(${item}, ${String(names.length)});`);
      names.forEach((name, u) => {
        const id = this._tmpid();
        this._emitLine(`var ${id} = ${unpack ? `${values}[${String(u)}]` : item};`);
        this._emitLine(`frame.set(${JSON.stringify(name.value)}, ${id});`);
        frame.set(name.value, id);
      });
    };
    if (node.loopFilter) {
      const item = this._tmpid();
      this._emitLine(`${arr} = ${arr}.filter(function (${item}) {`);
      bind(item);
      this._emit('return runtime.lh.bool(');
      this._compileExpression(node.loopFilter, frame);
      this._emitLine(');');
      this._emitLine('});');
    }
    this._emitLine(`var ${len} = ${arr}.length;`);
    this._emitLine(`var ${loop} = new runtime.lh.PyLoop(${arr});`);
    this._emitLine(`for (var ${i} = 0; ${i} < ${len}; ${i}++) {`);
    bind(`${arr}[${i}]`);
    this._emitLine(`${loop}.index0 = ${i};`);
    this._emitLine(`frame.set("loop", ${loop});`);
    this._withScopedSyntax(() => this.compile(node.body, frame));
    this._emitLine('}');
    if (node.else_) {
      this._emitLine(`if (!${len}) {`);
      this.compile(node.else_, frame);
      this._emitLine('}');
    }
    this._emitLine('frame = frame.pop();');
  };

  proto._compileMacro = function _compileMacro(this: CompilerInternals, node: AnyNode, frame?: AnyNode): string {
    const args: AnyNode[] = [];
    let kwargs: AnyNode = null;
    const funcId = `macro_${this._tmpid()}`;
    const keepFrame = frame !== undefined;
    node.args.children.forEach((arg: AnyNode, i: number) => {
      if (i === node.args.children.length - 1 && arg instanceof nodes.Dict) kwargs = arg;
      else if (arg instanceof nodes.Symbol) args.push(arg);
      else this.fail('macro arguments must be names', arg.lineno, arg.colno);
    });
    const defaults: AnyNode[] = kwargs ? kwargs.children : [];
    const uses = (name: string) =>
      (node.body.findAll(nodes.Symbol) as AnyNode[]).some((symbol: AnyNode) => symbol.value === name);
    const realNames = [...args.map((a) => `l_${String(a.value)}`), 'kwargs', 'l_varargs', 'l_kwargs'];
    const currFrame = keepFrame ? frame.push(true) : new runtime.Frame();
    const macroName = node.name?.value ?? 'caller';
    this._emitLine(
      `var ${funcId} = runtime.lh.makeMacro(${JSON.stringify(macroName)}, ${JSON.stringify(
        args.map((a) => a.value),
      )}, ${JSON.stringify(defaults.map((p: AnyNode) => p.key.value))}, ${String(uses('varargs'))}, ${String(
        uses('kwargs'),
      )}, ${String(uses('caller') || node instanceof nodes.Caller)}, function (${realNames.join(', ')}) {`,
    );
    this._emitLine('var callerFrame = frame;');
    this._emitLine(`frame = ${keepFrame ? 'frame.push(true);' : 'new runtime.Frame();'}`);
    this._emitLine('try {');
    this._emitLine('kwargs = kwargs || {};');
    this._emitLine(
      'if (Object.prototype.hasOwnProperty.call(kwargs, "caller")) { frame.set("caller", kwargs.caller); }',
    );
    args.forEach((arg) => {
      this._emitLine(`frame.set(${JSON.stringify(arg.value)}, l_${String(arg.value)});`);
      currFrame.set(arg.value, `l_${String(arg.value)}`);
    });
    defaults.forEach((pair: AnyNode) => {
      const name = JSON.stringify(pair.key.value);
      this._emit(`frame.set(${name}, Object.prototype.hasOwnProperty.call(kwargs, ${name}) ? kwargs[${name}] : `);
      this._compileExpression(pair.value, currFrame);
      this._emitLine(');');
    });
    this._emitLine('frame.set("varargs", l_varargs);');
    this._emitLine('frame.set("kwargs", l_kwargs);');
    const bufferId = this._pushBuffer();
    this._withScopedSyntax(() => this.compile(node.body, currFrame));
    this._emitLine(`return new runtime.SafeString(${bufferId});`);
    this._emitLine('} finally {');
    // Restored on every exit, also when return() or an error unwinds through the macro.
    this._emitLine('frame = callerFrame;');
    this._emitLine('}');
    this._emitLine('});');
    this._popBuffer();
    return funcId;
  };
}

/**
 * Jinja's argument binding for a macro: positional then keyword; extra
 * positional arguments go to `varargs` and unknown keywords to `kwargs` only
 * when the macro uses them, otherwise the call is an error (as in Jinja).
 */
function makeMacro(
  name: string,
  argNames: string[],
  defaultNames: string[],
  usesVarargs: boolean,
  usesKwargs: boolean,
  usesCaller: boolean,
  func: (...args: unknown[]) => unknown,
): (...args: unknown[]) => unknown {
  const params = [...argNames, ...defaultNames];
  const shown = name.replace(/^lh_macro__/, '');
  return function macro(this: unknown, ...callArgs: unknown[]) {
    const last = callArgs[callArgs.length - 1];
    const keywords: Record<string, unknown> = isKeywords(last) ? { ...(last as object) } : {};
    delete keywords.__keywords;
    const positional = isKeywords(last) ? callArgs.slice(0, -1) : callArgs;
    if (positional.length > params.length && !usesVarargs) {
      throw new py.PyTypeError(`macro '${shown}' takes not more than ${params.length} argument(s)`);
    }
    const bound: unknown[] = [];
    const given: Record<string, unknown> = {};
    params.forEach((param, i) => {
      const hasPositional = i < positional.length;
      if (hasPositional && Object.prototype.hasOwnProperty.call(keywords, param)) {
        throw new py.PyTypeError(`macro '${shown}' got multiple values for argument '${param}'`);
      }
      const provided = hasPositional || Object.prototype.hasOwnProperty.call(keywords, param);
      const value = hasPositional ? positional[i] : keywords[param];
      delete keywords[param];
      if (i < argNames.length) bound.push(value);
      else if (provided) given[param] = value;
    });
    if ('caller' in keywords) {
      if (!usesCaller) throw new py.PyTypeError(`macro '${shown}' takes no keyword argument 'caller'`);
      given.caller = keywords.caller;
      delete keywords.caller;
    }
    const extra = Object.keys(keywords);
    if (extra.length && !usesKwargs)
      throw new py.PyTypeError(`macro '${shown}' takes no keyword argument '${extra[0]!}'`);
    const varargs = py.pyTuple(positional.slice(params.length));
    return func.call(this, ...bound, given, varargs, keywords);
  };
}

function isKeywords(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.prototype.hasOwnProperty.call(value, '__keywords');
}
