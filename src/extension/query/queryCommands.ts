import { existsSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import * as vscode from 'vscode';
import { parse as parseYaml } from 'yaml';
import type { LakehouseEntry } from '../../core/config/lakehouseConfig';
import { LakehouseError } from '../../core/errors';
import { quoteIdentifier } from '../../core/lake/duckdb';
import { isModelFile, resolveProjectDir } from '../../core/run/projectFiles';
import type { QueryHistoryEntry, QueryTarget } from '../../core/query/types';
import type { LakehouseConfigService } from '../lakehouseConfig';
import { pickLakehouse } from '../pickLakehouse';
import type { RunHistory } from '../run/runHistory';
import { QueryPanel, type QueryPanelDeps, type QuerySource } from './queryPanel';

export interface QueryCommandDeps {
  config: LakehouseConfigService;
  history: RunHistory;
  panel: QueryPanelDeps;
}

/**
 * Run Query: the SQL editor's selection, or the whole file; on a model file
 * its compiled SQL (what the last run wrote to target/compiled), on the
 * pulled working catalog.
 */
export async function runQueryCommand(deps: QueryCommandDeps, arg?: unknown): Promise<void> {
  const editor = await editorFor(arg);
  if (!editor) throw new LakehouseError('usage', 'Open a .sql file (or select some SQL) to run a query.');
  const document = editor.document;
  const entry = await pickLakehouse(undefined, deps.config, 'Run Query');
  const target: QueryTarget = { kind: 'local', lakehouse: entry.name };
  const folder = vscode.workspace.getWorkspaceFolder(document.uri)?.uri.fsPath;
  const projectDir = folder ? projectDirOrNone(folder, entry.project) : undefined;
  const selection = editor.selection;
  const hasSelection = arg === undefined || arg === editor.document.uri ? !selection.isEmpty : false;

  if (!hasSelection && projectDir && document.uri.scheme === 'file' && isModelFile(projectDir, document.uri.fsPath)) {
    const sql = compiledSqlOf(projectDir, document.uri.fsPath);
    QueryPanel.show(deps.panel, { sql, target, title: basename(document.uri.fsPath, '.sql') });
    return;
  }
  const range = hasSelection ? selection : undefined;
  const sql = document.getText(range);
  if (sql.trim() === '') throw new LakehouseError('usage', 'There is no SQL to run: the selection or file is empty.');
  const source: QuerySource = { uri: document.uri, offset: range ? document.offsetAt(range.start) : 0 };
  const title = document.isUntitled ? 'Query' : basename(document.uri.fsPath);
  QueryPanel.show(deps.panel, { sql, target, title: hasSelection ? `${title} (selection)` : title, source });
}

/** The dbt project folder when there is one: plain SQL files run without a project. */
function projectDirOrNone(folder: string, project: string | undefined): string | undefined {
  try {
    return resolveProjectDir(folder, project);
  } catch {
    return undefined;
  }
}

async function editorFor(arg: unknown): Promise<vscode.TextEditor | undefined> {
  const active = vscode.window.activeTextEditor;
  if (arg instanceof vscode.Uri && active?.document.uri.toString() !== arg.toString())
    return vscode.window.showTextDocument(arg, { preview: true, preserveFocus: false });
  return active;
}

/** The model's SQL as the last run compiled it (target/compiled/<project>/<path>), both runners write it. */
export function compiledSqlOf(projectDir: string, modelFile: string): string {
  const projectFile = join(projectDir, 'dbt_project.yml');
  const project = existsSync(projectFile)
    ? (parseYaml(readFileSync(projectFile, 'utf8')) as { name?: string; 'target-path'?: string } | null)
    : null;
  const name = project?.name;
  if (!name) throw new LakehouseError('usage', `No dbt_project.yml with a name in ${projectDir}.`);
  const compiled = join(
    projectDir,
    project['target-path'] ?? 'target',
    'compiled',
    name,
    relative(projectDir, modelFile),
  );
  if (!existsSync(compiled))
    throw new LakehouseError(
      'not-compiled',
      `${basename(modelFile)} has no compiled SQL yet.`,
      'Run the model once (Lakehouse: Run Model); then Run Query shows what its compiled SQL returns.',
    );
  return readFileSync(compiled, 'utf8').replace(/;\s*$/, '');
}

type TableNode = { kind: 'table'; entry: LakehouseEntry; schema: string; table: string };
const isTableNode = (node: unknown): node is TableNode =>
  (node as { kind?: string } | undefined)?.kind === 'table' && typeof (node as TableNode).table === 'string';

/** Preview on a tree table: its first rows as Fabric reads them (published Delta). */
export async function previewTableCommand(deps: QueryCommandDeps, node: unknown, rows = 1000): Promise<void> {
  if (!isTableNode(node)) throw new LakehouseError('usage', 'Preview works on a table in the Lakehouses view.');
  const relation = `${quoteIdentifier(node.schema)}.${quoteIdentifier(node.table)}`;
  QueryPanel.show(deps.panel, {
    sql: `SELECT * FROM ${relation} LIMIT ${rows}`,
    target: { kind: 'published', lakehouse: node.entry.name },
    title: `${node.schema}.${node.table}`,
  });
}

/** Show Schema on a tree table: DuckDB's DESCRIBE of the published table. */
export async function showSchemaCommand(deps: QueryCommandDeps, node: unknown): Promise<void> {
  if (!isTableNode(node)) throw new LakehouseError('usage', 'Show Schema works on a table in the Lakehouses view.');
  QueryPanel.show(deps.panel, {
    sql: `DESCRIBE ${quoteIdentifier(node.schema)}.${quoteIdentifier(node.table)}`,
    target: { kind: 'published', lakehouse: node.entry.name },
    title: `${node.schema}.${node.table} schema`,
  });
}

/**
 * Preview a model: the Last run section's result node, or a model file
 * (CodeLens): its table in the working catalog.
 */
export async function previewModelCommand(deps: QueryCommandDeps, arg: unknown): Promise<void> {
  const node = arg as { kind?: string; entry?: LakehouseEntry; relation?: string; name?: string } | undefined;
  let entry: LakehouseEntry;
  let relation: string | undefined;
  let name: string;
  if (node?.kind === 'runResult' && node.entry && node.relation) {
    entry = node.entry;
    relation = node.relation;
    name = node.name ?? node.relation;
  } else {
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (!uri?.fsPath.endsWith('.sql'))
      throw new LakehouseError('usage', 'Preview works on a model file or a model in the Last run section.');
    entry = await pickLakehouse(undefined, deps.config, 'Preview');
    name = basename(uri.fsPath, '.sql');
    relation = deps.history
      .last(entry.name)
      ?.summary.results.find((r) => r.name === name && r.relationName)?.relationName;
    if (!relation)
      throw new LakehouseError(
        'not-run',
        `${name} has not been built in this session, so there is no table to preview.`,
        'Run the model first (Lakehouse: Run Model).',
      );
  }
  QueryPanel.show(deps.panel, {
    sql: `SELECT * FROM ${relation} LIMIT 1000`,
    target: { kind: 'local', lakehouse: entry.name },
    title: `${name} preview`,
  });
}

/** Re-open a query from the history view: run it again on the same target. */
export function reopenQuery(panel: QueryPanelDeps, entry: unknown): void {
  const e = entry as Partial<QueryHistoryEntry> | undefined;
  if (typeof e?.sql !== 'string' || !e.target) throw new LakehouseError('usage', 'Pick a query in Query History.');
  const title = e.sql.replace(/\s+/g, ' ').trim().slice(0, 40);
  QueryPanel.show(panel, { sql: e.sql, target: e.target, title });
}
