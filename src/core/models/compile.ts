import type nunjucks from 'nunjucks';
import type { NodeScope, ProjectServices, RenderPass } from './jinja/context';
import { compileTemplate } from './jinja/environment';
import { renderTemplate, toCompileError } from './jinja/render';
import type { Manifest } from './manifest';
import { Relation } from './relation';
import type { SqlExecutor } from './sql-executor';
import type { ManifestNode } from './types';

export interface CompiledNode {
  sql: string;
  pass: RenderPass;
}

/**
 * Renders nodes for execution (`execute = true`): run_query runs against the
 * session, `is_incremental()` answers for the catalog's state, and the
 * ephemeral models a node refs are injected as CTEs, as dbt does.
 */
export class NodeCompiler {
  private readonly ephemeralSql = new Map<string, string>();

  constructor(
    private readonly manifest: Manifest,
    private readonly services: ProjectServices,
    private readonly executor: SqlExecutor,
    /** Receives `log()` output of each finished render (the last pass only). */
    private readonly onLog: (message: string, node: ManifestNode | undefined) => void = () => {},
  ) {}

  /** The project's render services (unit tests wrap them). */
  get projectServices(): ProjectServices {
    return this.services;
  }

  async compile(node: ManifestNode, isIncremental: boolean): Promise<CompiledNode> {
    const template = this.manifest.templates.get(node.uniqueId);
    if (!template) throw new Error(`No template for ${node.uniqueId}`);
    const output = await this.render(template, node, isIncremental);
    const ctes = await this.ephemeralCtes(node);
    return { sql: injectCtes(output.text, ctes), pass: output.pass };
  }

  /**
   * Renders a model for one of its dbt unit tests: the test's services (inputs as CTEs, its
   * vars and env vars), its `is_incremental`, its `this` and its macro overrides; no ephemeral
   * CTEs (every ref the model makes is one of the test's inputs).
   */
  async compileForUnitTest(
    node: ManifestNode,
    options: { services: ProjectServices; isIncremental: boolean; relation?: Relation; extra: Record<string, unknown> },
  ): Promise<string> {
    const template = this.manifest.templates.get(node.uniqueId);
    if (!template) throw new Error(`No template for ${node.uniqueId}`);
    const output = await this.render(template, node, options.isIncremental, undefined, options.extra, options);
    return output.text;
  }

  /** Renders a hook (or any SQL snippet) in a node's context, or the project's when `node` is undefined. */
  async renderSnippet(
    sql: string,
    name: string,
    node: ManifestNode | undefined,
    isIncremental: boolean,
    extra?: Record<string, unknown>,
    options?: SnippetOptions,
  ): Promise<string> {
    return (await this.renderSnippetWithConfig(sql, name, node, isIncremental, extra, options)).text;
  }

  /** A snippet's text and the `config()` calls it made (a generic test's macro sets `fail_calc` so). */
  async renderSnippetWithConfig(
    sql: string,
    name: string,
    node: ManifestNode | undefined,
    isIncremental: boolean,
    extra?: Record<string, unknown>,
    options?: SnippetOptions,
  ): Promise<{ text: string; configCalls: Record<string, unknown>[] }> {
    let template: nunjucks.Template;
    try {
      template = compileTemplate(this.manifest.jinja, sql, name);
    } catch (error) {
      throw toCompileError(error, node?.file?.path ?? this.manifest.project.projectFile);
    }
    const output = await this.render(template, node, isIncremental, undefined, extra, undefined, options);
    return { text: output.text, configCalls: output.pass.configCalls };
  }

  private async render(
    template: nunjucks.Template,
    node: ManifestNode | undefined,
    isIncremental: boolean,
    path?: string,
    extra?: Record<string, unknown>,
    unitTest?: { services: ProjectServices; relation?: Relation },
    options?: SnippetOptions,
  ) {
    const { target } = this.manifest;
    const scope: NodeScope = node
      ? {
          uniqueId: node.uniqueId,
          name: node.name,
          resourceType: node.resourceType,
          config: node.config,
          relation: unitTest?.relation
            ? unitTest.relation
            : node.relation
              ? Relation.from(node.relation, node.config.materialized === 'view' ? 'view' : 'table')
              : new Relation(target.database, target.schema, node.name),
          isIncremental,
          execute: true,
        }
      : {
          uniqueId: `operation.${this.manifest.project.name}.hooks`,
          name: 'hooks',
          resourceType: 'operation',
          config: { tags: [], enabled: true, pre_hook: [], post_hook: [] },
          relation: new Relation(target.database, target.schema, 'hooks'),
          isIncremental: false,
          execute: true,
        };
    const file = path ?? node?.file?.path ?? (node ? undefined : this.manifest.project.projectFile);
    if (file) scope.path = file;
    const output = await renderTemplate({
      template,
      services: unitTest?.services ?? this.services,
      scope,
      runQuery: (sql) => {
        const refused = options?.refuseQueries?.();
        return refused ? Promise.reject(refused) : this.executor.query(sql);
      },
      ...(extra ? { extra } : {}),
    });
    for (const message of output.pass.logs) this.onLog(message, node);
    return output;
  }

  /** `sql` with the ephemeral models `node` reads (through ephemeral links) as CTEs in front. */
  async withEphemeralCtes(node: ManifestNode, sql: string): Promise<string> {
    return injectCtes(sql, await this.ephemeralCtes(node));
  }

  /** The ephemeral models upstream of `node` through ephemeral links only, parents first. */
  private async ephemeralCtes(node: ManifestNode): Promise<Array<[string, string]>> {
    const ordered: string[] = [];
    const visit = (id: string) => {
      for (const parent of this.manifest.graph.parentsOf(id)) {
        const parentNode = this.manifest.nodes.get(parent);
        if (parentNode?.config.materialized !== 'ephemeral' || ordered.includes(parent)) continue;
        visit(parent);
        if (!ordered.includes(parent)) ordered.push(parent);
      }
    };
    visit(node.uniqueId);
    const ctes: Array<[string, string]> = [];
    for (const id of ordered) {
      let sql = this.ephemeralSql.get(id);
      if (sql === undefined) {
        const ephemeral = this.manifest.nodes.get(id)!;
        const template = this.manifest.templates.get(id)!;
        sql = (await this.render(template, ephemeral, false)).text;
        this.ephemeralSql.set(id, sql);
      }
      ctes.push([`__dbt__cte__${this.manifest.nodes.get(id)!.name}`, sql]);
    }
    return ctes;
  }
}

export interface SnippetOptions {
  /** The error for a query the snippet would run while it renders (nothing is sent). */
  refuseQueries?: () => Error;
}

/**
 * Prepends CTEs to a query; a query that already starts with WITH gets them
 * merged into its own WITH list (leading comments are kept in front).
 */
export function injectCtes(sql: string, ctes: ReadonlyArray<[string, string]>): string {
  if (ctes.length === 0) return sql;
  const definitions = ctes.map(([name, body]) => `${name} as (\n${body.trim()}\n)`).join(',\n');
  const start = skipLeadingComments(sql);
  const head = sql.slice(0, start);
  const rest = sql.slice(start);
  const withMatch = /^with(\s+recursive)?\b/i.exec(rest);
  if (withMatch) {
    return `${head}with${withMatch[1] ?? ''} ${definitions},\n${rest.slice(withMatch[0].length).trimStart()}`;
  }
  return `${head}with ${definitions}\n${rest}`;
}

function skipLeadingComments(sql: string): number {
  let i = 0;
  for (;;) {
    while (i < sql.length && /\s/.test(sql[i]!)) i++;
    if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else {
      return i;
    }
  }
}
