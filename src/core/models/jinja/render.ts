import type nunjucks from 'nunjucks';
import { LakehouseError } from '../../errors';
import { ModelCompileError, UnsupportedFeatureError, type SourceLocation } from '../errors';
import { buildContext, RenderPass, TemplateRaise, type NodeScope, type ProjectServices } from './context';
import { MacroCallError, MacroReturn, cleanTemplateMessage, unwrapTemplateError } from './macros';
import { QueryReplay } from './query-replay';
import type { QueryTable } from './query-result';
import { asRefusal, templateErrorLocation } from './template-errors';

export interface RenderRequest {
  template: nunjucks.Template;
  services: ProjectServices;
  scope: NodeScope;
  /** Runs one query for `run_query` / `statement`; required when `scope.execute`. */
  runQuery?: (sql: string) => Promise<QueryTable>;
  /** Extra names for the template (generic test arguments). */
  extra?: Record<string, unknown>;
  /** Upper bound on re-renders for templates that query (one query per pass). */
  maxQueries?: number;
}

export interface RenderOutput {
  text: string;
  /** The last (complete) pass: config calls, refs, sources, logs. */
  pass: RenderPass;
}

/**
 * Renders a template with the dbt context. Templates that call `run_query`
 * are rendered again after each query runs (see QueryReplay); the output and
 * side effects of the last pass are the result.
 */
export async function renderTemplate(request: RenderRequest): Promise<RenderOutput> {
  const { template, services, scope } = request;
  const replay = scope.execute ? new QueryReplay() : undefined;
  const maxQueries = request.maxQueries ?? 200;
  for (;;) {
    replay?.beginPass();
    const pass = new RenderPass(replay);
    let text: string | undefined;
    let failure: unknown;
    try {
      const context = buildContext(services, scope, pass);
      if (request.extra) Object.assign(context, request.extra);
      text = template.render(context);
    } catch (error) {
      failure = error;
    }
    const pending = replay?.pending;
    if (pending !== undefined) {
      if (replay!.count >= maxQueries) {
        throw new ModelCompileError(
          `The template ran more than ${maxQueries} queries while rendering.`,
          scope.path ? { file: scope.path, line: 1 } : undefined,
        );
      }
      if (!request.runQuery) throw new Error('renderTemplate: run_query needs a query runner');
      replay!.resolve(await request.runQuery(pending));
      continue;
    }
    if (failure !== undefined) throw toCompileError(failure, scope.path);
    return { text: text ?? '', pass };
  }
}

/** Maps whatever a render threw to a typed error that points at the file and line. */
export function toCompileError(error: unknown, file: string | undefined): LakehouseError {
  const inner = unwrapTemplateError(error);
  const location: SourceLocation | undefined = file ? templateErrorLocation(error, file, 'render') : undefined;
  if (inner instanceof UnsupportedFeatureError || inner instanceof ModelCompileError) {
    return inner.location || !location ? inner : relocate(inner, location);
  }
  if (inner instanceof LakehouseError) return inner;
  if (inner instanceof MacroReturn) {
    return new ModelCompileError('return() was called outside of a macro.', location);
  }
  if (inner instanceof TemplateRaise) return new ModelCompileError(inner.message, location, inner.hint);
  if (inner instanceof MacroCallError) {
    const root = inner.inner;
    if (root instanceof TemplateRaise) {
      return new ModelCompileError(
        `${root.message} (in macro '${inner.macroName}', ${inner.file.relativePath})`,
        location,
        root.hint,
      );
    }
    if (root instanceof LakehouseError)
      return root instanceof ModelCompileError && !root.location && location ? relocate(root, location) : root;
    const refused = asRefusal(root instanceof Error ? root.message : String(root), location);
    if (refused)
      return new UnsupportedFeatureError(
        `${refused.feature} (in macro '${inner.macroName}', ${inner.file.relativePath})`,
        location,
      );
    return new ModelCompileError(`${inner.message}`, location, undefined, { cause: inner });
  }
  return (
    asRefusal(cleanTemplateMessage(error), location) ??
    new ModelCompileError(cleanTemplateMessage(error), location, undefined, { cause: error })
  );
}

function relocate(error: ModelCompileError | UnsupportedFeatureError, location: SourceLocation): LakehouseError {
  if (error instanceof UnsupportedFeatureError) return error;
  return new ModelCompileError(error.message, location, error.hint, { cause: error });
}
