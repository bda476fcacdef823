import { extname, resolve } from 'node:path';
import type { Command } from 'commander';
import { createQueryEngine, DEFAULT_STALENESS_MS } from '../core/engine/client';
import { postgresConnection } from '../core/config/catalogStore';
import { describeError, LakehouseError } from '../core/errors';
import { QueryFailedError } from '../core/query/errors';
import { QueryHistoryStore, queryHistoryFile } from '../core/query/history';
import { lakehouseTargetResolver } from '../core/query/targets';
import type { ExportFormat, QueryTarget, ResultInfo } from '../core/query/types';
import { parseDuration } from '../core/util/duration';
import { cliCredential, cliDuckDBOptions, resolveLakehouse, type CliEnv } from './context';
import type { Output } from './output';
import { csvLine, textTable } from './queryFormat';

type Run = (work: (out: Output) => Promise<void>, json: boolean | undefined) => Promise<void>;

interface QueryOpts {
  lakehouse?: string;
  published?: boolean;
  format?: string;
  output?: string;
  limit?: string;
  staleness?: string;
}

const PAGE = 10_000;

/**
 * `lakehouse query "<sql>"`: the same engine process the editor uses (forked
 * from dist/queryEngine.js), so a DuckDB crash ends the engine, not the CLI.
 * Ctrl+C interrupts DuckDB. Secrets never reach the output.
 */
export function registerQueryCommand(program: Command, cli: CliEnv, run: Run): void {
  program
    .command('query')
    .description(
      'run SQL against the local working catalog (a PostgreSQL catalog itself, read-only), or the published Delta tables with --published',
    )
    .argument('<sql>', 'the SQL to run; with several statements, the last query is the result')
    .option('--lakehouse <name>', 'name from lakehouse.yml or a location URI (default: the only one)')
    .option('--published', 'query the Delta tables in the lakehouse as Fabric reads them, not the local catalog')
    .option('--format <format>', 'table | csv | json (and parquet with --output)', 'table')
    .option('--output <file>', 'write the FULL result to a file through DuckDB COPY (csv, json or parquet)')
    .option('--limit <n>', 'rows to print in table format', '100')
    .option('--staleness <duration>', 'published tables: reuse the Delta log for this long, e.g. 60s', '60s')
    .action((sql: string, opts: QueryOpts) => run((out) => query(sql, opts, cli, out), false));
}

async function query(sql: string, opts: QueryOpts, cli: CliEnv, out: Output): Promise<void> {
  const format = (opts.format ?? 'table').toLowerCase();
  const outputFile = opts.output ? resolve(cli.cwd, opts.output) : undefined;
  const exportFormat = outputFile ? exportFormatFor(format, outputFile) : undefined;
  if (!outputFile && !['table', 'csv', 'json'].includes(format))
    throw new LakehouseError(
      'usage',
      `Unknown --format '${opts.format}'.`,
      'Use table, csv or json (parquet needs --output).',
    );
  const limit = Number(opts.limit ?? '100');
  if (!Number.isInteger(limit) || limit < 0) throw new LakehouseError('usage', `--limit must be a whole number.`);
  const entry = resolveLakehouse(opts.lakehouse, {}, cli);
  const target: QueryTarget = { kind: opts.published ? 'published' : 'local', lakehouse: entry.name };
  // A PostgreSQL catalog's local target reads the lakehouse's storage too.
  const team = entry.catalogStore?.kind === 'postgres';
  const engine = createQueryEngine({
    enginePath: resolve(__dirname, 'queryEngine.js'),
    duckdb: cliDuckDBOptions(cli),
    resolveTarget: lakehouseTargetResolver({
      entries: [entry],
      workspaceDir: cli.cwd,
      credential: opts.published || team ? await cliCredential(entry, cli.env) : undefined,
      teamConnection: async (e) => postgresConnection(e.catalogStore!, e.name, cli.env),
    }),
    stalenessMs: opts.staleness ? parseDuration(opts.staleness) : DEFAULT_STALENESS_MS,
    log: (level, message) => level !== 'info' && out.info(message),
  });
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  const history = new QueryHistoryStore(queryHistoryFile(cli.cwd));
  const at = new Date().toISOString();
  let info: ResultInfo | undefined;
  try {
    info = await engine.run({ sql, target }, abort.signal);
    await history.add({ sql, target, at, rowCount: info.rowCount, elapsedMs: info.elapsedMs }).catch(() => undefined);
    if (info.statementOnly) {
      out.info(`Done in ${ms(info.elapsedMs)} (no result set).`);
      return;
    }
    if (outputFile && exportFormat) {
      const written = await engine.export(info.resultId, { format: exportFormat, path: outputFile }, abort.signal);
      out.info(`Wrote ${written.rows} rows (${written.bytes} bytes) to ${written.path}; ${footer(info)}`);
      return;
    }
    const write = (text: string) => process.stdout.write(text);
    if (format === 'csv') {
      write(`${csvLine(info.columns.map((c) => c.name))}\n`);
      for (let offset = 0; offset < info.rowCount; offset += PAGE) {
        const page = await engine.page(info.resultId, { offset, limit: PAGE }, abort.signal);
        write(page.rows.map((r) => `${csvLine(r)}\n`).join(''));
      }
      out.info(footer(info));
    } else if (format === 'json') {
      const { resultId: _id, ...meta } = info;
      write(`{"ok":true,${JSON.stringify(meta).slice(1, -1)},"rows":[`);
      for (let offset = 0; offset < info.rowCount; offset += PAGE) {
        const page = await engine.page(info.resultId, { offset, limit: PAGE }, abort.signal);
        write(page.rows.map((r, i) => `${offset + i === 0 ? '' : ','}\n${JSON.stringify(r)}`).join(''));
      }
      write('\n]}\n');
    } else {
      const page = await engine.page(info.resultId, { offset: 0, limit }, abort.signal);
      write(`${textTable(info.columns, page.rows)}\n`);
      const shown =
        page.rows.length < info.rowCount ? ` (first ${page.rows.length} shown; --limit or --output for more)` : '';
      out.info(`${info.rowCount} row${info.rowCount === 1 ? '' : 's'}${shown}; ${footer(info)}`);
    }
  } catch (error) {
    if (!info) {
      if (error instanceof QueryFailedError && error.position !== undefined) out.info(pointAt(sql, error.position));
      const message = describeError(error);
      await history.add({ sql, target, at, rowCount: null, elapsedMs: 0, error: message }).catch(() => undefined);
    }
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
    await engine.close();
  }
}

function exportFormatFor(format: string, file: string): ExportFormat {
  if (format === 'csv' || format === 'json' || format === 'parquet') return format;
  if (format !== 'table')
    throw new LakehouseError('usage', `Unknown --format '${format}'.`, 'Use csv, json or parquet with --output.');
  const ext = extname(file).slice(1).toLowerCase();
  if (ext === 'csv' || ext === 'json' || ext === 'parquet') return ext;
  if (ext === 'ndjson' || ext === 'jsonl') return 'json';
  throw new LakehouseError('usage', `Cannot tell the format of '${file}'.`, 'Pass --format csv, json or parquet.');
}

/** The line of the SQL holding `position`, with a caret under it. */
function pointAt(sql: string, position: number): string {
  const before = sql.slice(0, position);
  const lineNo = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const lineEnd = sql.indexOf('\n', position);
  const line = sql.slice(lineStart, lineEnd < 0 ? undefined : lineEnd);
  const prefix = `LINE ${lineNo}: `;
  return `${prefix}${line}\n${' '.repeat(prefix.length + position - lineStart)}^`;
}

function ms(value: number): string {
  return value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(2)} s`;
}

function footer(info: ResultInfo): string {
  const r = info.requests;
  const where =
    info.target.kind === 'published' ? `published ${info.target.lakehouse}` : `local ${info.target.lakehouse}`;
  const requests =
    info.target.kind === 'published'
      ? `; storage requests: ${r.log} log, ${r.list} list, ${r.data} data${info.cached ? ' (Delta log cached)' : ''}`
      : '';
  return `${where}, DuckDB ${ms(info.elapsedMs)}${requests}`;
}
