import * as vscode from 'vscode';
import { locationOf, type RunSummary } from '../../core/models';
import { listModelFiles } from '../../core/run/projectFiles';
import { conciseError, isFailure } from '../../core/run/summary';

/**
 * Compile and runtime errors as diagnostics on the model file, at the line the
 * runner located (a template line for Jinja errors, the SQL line DuckDB named),
 * else at the top of the model's file.
 */
export function showRunDiagnostics(
  collection: vscode.DiagnosticCollection,
  projectDir: string,
  summary: RunSummary,
  error?: unknown,
): void {
  collection.clear();
  const byFile = new Map<string, vscode.Diagnostic[]>();
  const models = new Map(listModelFiles(projectDir).map((m) => [m.name, m.path]));
  const add = (file: string, line: number, column: number | undefined, message: string) => {
    const position = new vscode.Position(Math.max(0, line - 1), Math.max(0, (column ?? 1) - 1));
    const diagnostic = new vscode.Diagnostic(
      new vscode.Range(position, position.translate(0, 200)),
      message,
      vscode.DiagnosticSeverity.Error,
    );
    diagnostic.source = 'Lakehouse';
    byFile.set(file, [...(byFile.get(file) ?? []), diagnostic]);
  };
  for (const result of summary.results.filter(isFailure)) {
    const where = locationOf(result.error);
    const file = where?.file ?? models.get(result.name);
    if (file) add(file, where?.line ?? 1, where?.column, firstLine(result.error?.message ?? result.message));
  }
  // A whole-project failure (bad profile, Jinja error in a macro) before any node ran.
  const where = locationOf(error);
  if (where)
    add(where.file, where.line, where.column, firstLine(error instanceof Error ? error.message : String(error)));
  for (const [file, diagnostics] of byFile) collection.set(vscode.Uri.file(file), diagnostics);
}

function firstLine(text: string): string {
  return conciseError(text);
}
