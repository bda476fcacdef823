import { readFileSync } from 'node:fs';
import { liveMacroNamesSql } from '../../ducklake/catalogReader';
import type { Manifest } from '../manifest';
import { renderRelationName } from '../relation';
import type { SqlExecutor } from '../sql-executor';
import type { ManifestNode } from '../types';
import type { CatalogFileStates } from './catalog-files';
import { engineVersion, hashOf, runnerBuild, type NodeMemo } from './memo';
import { RelationStates, type CapturedStates } from './relation-state';
import {
  listOwnFunctions,
  parseEach,
  readsOfParsedSql,
  sqlReads,
  withoutOwnFunctions,
  type SqlReads,
  type TableRead,
} from './sql-reads';

/** A node's look before it runs: whether it may be skipped, and what to remember once it ran. */
export type SkipCheck =
  | { kind: 'skip'; since: NodeMemo }
  | { kind: 'run'; reason: string; remember?: (ownAfter: string | undefined) => NodeMemo | undefined };

/** A data test's look before it runs; `remember` takes the failure count it got. */
export type TestCheck =
  { kind: 'skip'; since: NodeMemo } | { kind: 'run'; reason: string; remember?: (failures: number) => void };

/** What the runner tells the skip check about its session. */
export interface SkipSession {
  /** The session's set-up (profile target, catalog override): a node's key, since it decides how names resolve. */
  key: string;
  /** Table states readable without DuckDB (local SQLite catalogs only), for checks made before it is opened. */
  catalogFiles?: CatalogFileStates;
  /** Whether the run has sent a statement that may have written (from then on, DuckDB alone answers). */
  written: () => boolean;
  /**
   * The session's DuckLake catalogs (aliases), when set-up leaves nothing else that could hold a function
   * of its own: an in-memory main database, only DuckLake-on-SQLite attaches, no extension of the
   * profile's. Its own functions are then the catalogs' live macros until the run defines one.
   */
  macroCatalogs?: string[];
}

/**
 * Skipping nodes provably unchanged: a node is skipped only when running it
 * again could not change any table. One per run; `memos` is the last run's
 * memo file, updated in place as nodes run.
 */
export class UnchangedNodes {
  private readonly states: RelationStates;
  private readonly macrosHash: string;

  constructor(
    private readonly executor: SqlExecutor,
    manifest: Manifest,
    readonly memos: Map<string, NodeMemo>,
    private readonly invocationId: string,
    /** False (--no-skip-unchanged): every model runs, but what they leave is still remembered for the next run. */
    private readonly skipping = true,
    private readonly session: SkipSession = { key: '', written: () => true },
  ) {
    this.states = new RelationStates(executor);
    // Materializations, adapter macros and package macros shape the SQL sent beyond the compiled SELECT.
    this.macrosHash = hashOf(manifest.project.macros.map((m) => [m.packageName ?? '', m.relativePath, m.raw]));
  }

  /** Whether a node may be skipped before DuckDB is opened: a catalog file to read and a memo to compare with. */
  get canCheckWithoutDuckDB(): boolean {
    return this.session.catalogFiles !== undefined && this.skipping && this.memos.size > 0;
  }

  /**
   * Before DuckDB is opened: whether the node's own relation is a table of a local catalog, read from the
   * catalog file ('table'), or undefined (unknown: ask the session). A DuckLake schema never holds a
   * view and a table of one name, so a live table is what the relation cache would list.
   */
  async existingWithoutDuckDB(node: ManifestNode): Promise<'table' | undefined> {
    const files = this.session.catalogFiles;
    if (!files || !this.skipping || this.session.written() || !node.relation || !this.memos.has(node.uniqueId))
      return undefined;
    const r = node.relation;
    const state = await files.stateOf({ catalog: r.database, schema: r.schema, table: r.identifier });
    return state === undefined ? undefined : 'table';
  }

  /**
   * The check made from the catalog file alone, while DuckDB is not open: the same key means the same
   * compiled SQL parsed the same way (same DuckDB, same session set-up), so its inputs are the memo's,
   * looked up by the names the session resolved them to. Only a skip is decided here; anything else
   * (a changed input, a state it cannot read) goes to the check through DuckDB. Returns the memo it proved.
   */
  private async unchangedWithoutDuckDB(
    node: ManifestNode,
    memo: NodeMemo | undefined,
    key: string,
    incremental: boolean,
    maySkip: boolean,
  ): Promise<NodeMemo | undefined> {
    const files = this.session.catalogFiles;
    if (!files || !memo || memo.ownAfter === undefined || (incremental && memo.ownBefore !== memo.ownAfter))
      return undefined;
    if (!(await this.inputsUnchangedWithoutDuckDB(memo, key, maySkip))) return undefined;
    const r = node.relation!;
    const own = await files.stateOf({ catalog: r.database, schema: r.schema, table: r.identifier });
    return own === memo.ownAfter ? memo : undefined;
  }

  /** The memo's key is the node's, and every table it read is in the state it was, per the catalog file. */
  private async inputsUnchangedWithoutDuckDB(memo: NodeMemo, key: string, maySkip: boolean): Promise<boolean> {
    const files = this.session.catalogFiles;
    if (!files || !memo.resolved || !this.skipping || !maySkip || this.session.written()) return false;
    if (memo.key !== key) return false;
    for (const [name, state] of Object.entries(memo.inputs)) {
      const resolved = memo.resolved[name];
      if (!resolved || (await files.stateOf(resolved)) !== state) return false;
    }
    return true;
  }

  private functions: { after: number; names: Promise<Set<string>> } | undefined;

  /**
   * The session's own macros, listed again only after a statement that could have defined one: the
   * listing takes ~0.2 s with extensions loaded, and per node it was a fifth of a 123-model build.
   */
  private ownFunctions(): Promise<Set<string>> {
    const after = this.executor.definitionsSent;
    if (this.functions?.after !== after) {
      const catalogs = this.session.macroCatalogs;
      this.functions = {
        after,
        names:
          catalogs && after === 0
            ? catalogMacros(this.executor, catalogs).then((names) => names ?? listOwnFunctions(this.executor))
            : listOwnFunctions(this.executor),
      };
      this.functions.names.catch(() => (this.functions = undefined));
    }
    return this.functions.names;
  }

  private keyOf(node: ManifestNode, what: string[]): string {
    return hashOf([
      ...what,
      node.config,
      node.relation ? renderRelationName(node.relation) : '',
      this.macrosHash,
      engineVersion(),
      runnerBuild(),
      this.session.key,
    ]);
  }

  /** Called after compiling, before materializing. `hooks` are the rendered pre/post hooks. */
  async check(node: ManifestNode, compiledSql: string, hooks: string[], maySkip: boolean): Promise<SkipCheck> {
    const materialized = String(node.config.materialized ?? 'view');
    const memo = this.memos.get(node.uniqueId);
    // Whatever is decided, the old memo no longer describes the table once the node runs.
    this.memos.delete(node.uniqueId);
    this.unread.delete(node.uniqueId);
    const always = alwaysRunReason(node);
    if (always) return { kind: 'run', reason: always };
    if (hooks.length > 0) return { kind: 'run', reason: 'hooks and sql_header may do anything, so it always runs' };
    const incremental = materialized === 'incremental';
    const key = this.keyOf(node, [compiledSql]);
    const proven = await this.unchangedWithoutDuckDB(node, memo, key, incremental, maySkip);
    if (proven) return this.keepUnchanged(node, proven);
    if (!this.skipping || !maySkip || memo?.key !== key) return this.runThenRead(node, key, compiledSql);
    const read = (await this.inputsFromMemo(memo, key)) ?? (await this.inputsOf(compiledSql));
    if ('reason' in read) return { kind: 'run', reason: read.reason };
    return this.decide(node, memo, [compiledSql], read, incremental, maySkip);
  }

  /** The state of every table a SELECT reads, through DuckDB; a reason when it reads anything else. */
  private async inputsOf(sql: string): Promise<Inputs | { reason: string }> {
    const reads = await sqlReads(this.executor, sql, () => this.ownFunctions());
    return (await this.inputsOfReads(reads)) as Inputs | { reason: string };
  }

  /** The states of the tables read, now or (`at`) as captured then; 'uncaptured' when `at` lacks a catalog read. */
  private async inputsOfReads(
    reads: SqlReads,
    at?: CapturedStates,
  ): Promise<Inputs | { reason: string } | 'uncaptured'> {
    if ('unsafe' in reads) return { reason: reads.unsafe };
    const inputs: Record<string, string> = {};
    const resolved: Record<string, TableRead> = {};
    for (const read of reads.tables) {
      const name = [read.catalog, read.schema, read.table].filter(Boolean).join('.');
      const found = at ? await this.states.resolvedStateOf(read, at) : await this.states.resolvedStateOf(read);
      if (found === 'uncaptured') return found;
      if (found === undefined) return { reason: `it reads ${name}, which is not a table of a DuckLake catalog` };
      inputs[name] = found.state;
      resolved[name] = found.name;
    }
    return { inputs, resolved, functions: reads.functions ?? [] };
  }

  /** Nodes that ran whatever they read, waiting for their SQL to be parsed (see settle). */
  private readonly unread = new Map<string, { sql: string; at: CapturedStates; memo: NodeMemo }>();

  /**
   * A node that runs whatever its inputs hold (no memo, or one of other SQL): what it read is needed
   * only for the memo the next run compares with, so its SQL is parsed once the run's nodes are done,
   * with every other such node's in one statement (settle), against the table states captured now.
   * That took a `json_serialize_sql` round trip per node off the run's path.
   */
  private async runThenRead(node: ManifestNode, key: string, sql: string): Promise<SkipCheck> {
    const r = node.relation!;
    const ownBefore = await this.states.stateOf({ catalog: r.database, schema: r.schema, table: r.identifier });
    const at = await this.states.capture();
    const remember = (ownAfter: string | undefined): NodeMemo | undefined =>
      ownAfter === undefined
        ? undefined
        : this.rememberUnread(node, key, sql, at, ownBefore === undefined ? { ownAfter } : { ownAfter, ownBefore });
    return { kind: 'run', reason: 'no memo of this SQL', remember };
  }

  /** A memo whose inputs wait for settle(); `fields` are what the node left (its table's states, or a test's failures). */
  private rememberUnread(
    node: ManifestNode,
    key: string,
    sql: string,
    at: CapturedStates,
    fields: Pick<NodeMemo, 'ownAfter' | 'ownBefore' | 'failures'>,
  ): NodeMemo {
    const memo: NodeMemo = {
      key,
      inputs: UNREAD,
      ...fields,
      invocationId: this.invocationId,
      completedAt: new Date().toISOString(),
    };
    this.unread.set(node.uniqueId, { sql, at, memo });
    return memo;
  }

  /**
   * Reads what the nodes that ran unread (runThenRead) read, in one parse, and remembers them. A node
   * whose inputs cannot be known as they were (the session defined or attached something since, or
   * the parse failed) keeps a memo that matches no inputs: its next run parses before it runs.
   */
  async settle(): Promise<void> {
    const unread = [...this.unread];
    this.unread.clear();
    if (unread.length === 0) return;
    const parsed = await parseEach(
      (sql) => this.executor.rows(sql),
      unread.map(([, u]) => u.sql),
    ).catch(() => [] as unknown[]);
    for (const [i, [id, { at, memo }]] of unread.entries()) {
      const tree = parsed[i];
      let read: Awaited<ReturnType<UnchangedNodes['inputsOfReads']>> = 'uncaptured';
      if (tree !== undefined && at.definitionsSent === this.executor.definitionsSent) {
        try {
          const reads = await withoutOwnFunctions(readsOfParsedSql(tree), () => this.ownFunctions());
          read = await this.inputsOfReads(reads, at);
        } catch {
          // The session could not answer (a cancelled run): the memo is kept unread.
        }
      }
      if (read === 'uncaptured') this.memos.set(id, memo);
      else if (!('reason' in read))
        this.memos.set(id, { ...memo, inputs: read.inputs, resolved: read.resolved, functions: read.functions });
      // A reason (it reads a file, calls now()…): no memo, as when parsed before it ran; it always runs.
    }
  }

  /**
   * The same answer as inputsOf without parsing the SQL again (a `json_serialize_sql` round trip per
   * node), when the memo's key is the node's: the same SQL, DuckDB and session set-up give the same
   * parse, so the same tables and functions. Only what depends on the session is asked again: whether
   * a called function is now a macro of its own, and each table's state. Only when every name read was
   * whole (catalog.schema.table), so its resolution never depended on the session's defaults or
   * attached databases; otherwise undefined (parse).
   */
  private async inputsFromMemo(
    memo: NodeMemo | undefined,
    key: string,
  ): Promise<Inputs | { reason: string } | undefined> {
    if (!memo || memo.key !== key || !memo.functions || !memo.resolved) return undefined;
    const names = Object.keys(memo.inputs);
    const whole = (name: string) => {
      const r = memo.resolved![name];
      // A resolved name adds the default catalog or schema to a partial one, so it is longer than the name read.
      return r !== undefined && r.catalog !== '' && r.schema !== '' && `${r.catalog}.${r.schema}.${r.table}` === name;
    };
    if (!names.every(whole)) return undefined;
    if (memo.functions.length > 0) {
      const own = await this.ownFunctions();
      const called = memo.functions.find((f) => own.has(f.toLowerCase()));
      if (called) return { reason: `it calls the macro ${called}, which may read anything` };
    }
    const inputs: Record<string, string> = {};
    const resolved: Record<string, TableRead> = {};
    for (const name of names) {
      const found = await this.states.resolvedStateOf(memo.resolved[name]!);
      if (found === undefined) return { reason: `it reads ${name}, which is not a table of a DuckLake catalog` };
      inputs[name] = found.state;
      resolved[name] = found.name;
    }
    return { inputs, resolved, functions: memo.functions };
  }

  /**
   * A data test: skipped when its SQL and every table it reads are as when it last passed (the same
   * query over the same rows counts the same failures). `passes` says whether a failure count passes
   * under the test's thresholds now; a test that failed or warned always runs again.
   */
  async checkTest(node: ManifestNode, sql: string, passes: (failures: number) => boolean): Promise<TestCheck> {
    const memo = this.memos.get(node.uniqueId);
    this.memos.delete(node.uniqueId);
    this.unread.delete(node.uniqueId);
    const key = this.keyOf(node, ['test', sql]);
    const passed = memo?.failures !== undefined && memo.key === key && passes(memo.failures) ? memo : undefined;
    if (passed && (await this.inputsUnchangedWithoutDuckDB(passed, key, true))) return this.keepUnchanged(node, passed);
    if (!this.skipping || !passed) {
      const at = await this.states.capture();
      const remember = (failures: number): void => void this.rememberUnread(node, key, sql, at, { failures });
      return { kind: 'run', reason: 'no memo of a pass with this SQL', remember };
    }
    const read = (await this.inputsFromMemo(memo, key)) ?? (await this.inputsOf(sql));
    if ('reason' in read) return { kind: 'run', reason: read.reason };
    if (this.skipping && passed && sameInputs(passed.inputs, read.inputs)) return this.keepUnchanged(node, passed);
    const remember = (failures: number): void => {
      this.memos.set(node.uniqueId, {
        key,
        inputs: read.inputs,
        resolved: read.resolved,
        functions: read.functions,
        failures,
        invocationId: this.invocationId,
        completedAt: new Date().toISOString(),
      });
    };
    return { kind: 'run', reason: 'changed since it last passed', remember };
  }

  /**
   * A seed: its CSV file as it is now (the load reads it again) stands for its compiled SQL; it
   * reads no table. Seeds replace their table whole, so re-loading is idempotent.
   */
  async checkSeed(node: ManifestNode, hooks: string[], maySkip: boolean): Promise<SkipCheck> {
    const memo = this.memos.get(node.uniqueId);
    this.memos.delete(node.uniqueId);
    if (hooks.length > 0) return { kind: 'run', reason: 'hooks may do anything, so it always runs' };
    if (!node.file || !node.relation) return { kind: 'run', reason: 'no file' };
    let content: string;
    try {
      content = readFileSync(node.file.path, 'utf8');
    } catch {
      return { kind: 'run', reason: 'its file could not be read' };
    }
    const proven = await this.unchangedWithoutDuckDB(node, memo, this.keyOf(node, ['seed', content]), false, maySkip);
    if (proven) return this.keepUnchanged(node, proven);
    return this.decide(node, memo, ['seed', content], { inputs: {}, resolved: {}, functions: [] }, false, maySkip);
  }

  private async decide(
    node: ManifestNode,
    memo: NodeMemo | undefined,
    what: string[],
    read: Inputs,
    incremental: boolean,
    maySkip: boolean,
  ): Promise<SkipCheck> {
    const { inputs, resolved, functions } = read;
    const relation = node.relation!;
    const own = { catalog: relation.database, schema: relation.schema, table: relation.identifier };
    const ownBefore = await this.states.stateOf(own);
    const key = this.keyOf(node, what);
    const remember = (ownAfter: string | undefined): NodeMemo | undefined => {
      if (ownAfter === undefined) return undefined;
      const next: NodeMemo = {
        key,
        inputs,
        resolved,
        functions,
        ownAfter,
        invocationId: this.invocationId,
        completedAt: new Date().toISOString(),
      };
      if (ownBefore !== undefined) next.ownBefore = ownBefore;
      this.memos.set(node.uniqueId, next);
      return next;
    };
    const unchanged =
      this.skipping &&
      maySkip &&
      memo !== undefined &&
      memo.key === key &&
      ownBefore !== undefined &&
      ownBefore === memo.ownAfter &&
      sameInputs(memo.inputs, inputs) &&
      // Re-running an incremental model is not idempotent in general: only one whose last run changed nothing.
      (!incremental || memo.ownBefore === memo.ownAfter);
    if (!unchanged) return { kind: 'run', reason: 'changed since the last run', remember };
    return this.keepUnchanged(node, memo);
  }

  private keepUnchanged(node: ManifestNode, memo: NodeMemo): { kind: 'skip'; since: NodeMemo } {
    this.memos.set(node.uniqueId, memo);
    return { kind: 'skip', since: memo };
  }

  /** After any node that ran (not skipped as unchanged): what it may have written is read afresh. */
  nodeRan(): void {
    this.states.invalidate();
  }

  /** The state of a node's own relation right after it ran. */
  ownState(node: ManifestNode): Promise<string | undefined> {
    this.states.invalidate();
    const r = node.relation!;
    return this.states.stateOf({ catalog: r.database, schema: r.schema, table: r.identifier });
  }
}

/**
 * The inputs of a memo written before its SQL could be parsed (see settle): no table is named so, so
 * it equals no node's inputs and has no resolved names — the next run parses before deciding.
 */
const UNREAD: Record<string, string> = { '\u0000 not read': '' };

/** What a node's SQL reads: each table's state and resolved name, and the functions it calls. */
interface Inputs {
  inputs: Record<string, string>;
  resolved: Record<string, TableRead>;
  functions: string[];
}

/**
 * The live macros of DuckLake catalogs, lower case, from their metadata (≈ 2 ms against ≈ 13 ms for
 * `duckdb_functions()`, which lists DuckDB's ~3,000 own functions to find these). Undefined when a
 * catalog's macros cannot be read that way: the full listing answers then.
 */
async function catalogMacros(executor: SqlExecutor, catalogs: string[]): Promise<Set<string> | undefined> {
  try {
    const rows = await executor.rows<{ name: string }>(liveMacroNamesSql(catalogs));
    return new Set(rows.map((r) => String(r.name)));
  } catch {
    return undefined;
  }
}

function sameInputs(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** Why a model always runs, from its config alone; undefined when its memo may let it be skipped. */
function alwaysRunReason(node: ManifestNode): string | undefined {
  const materialized = String(node.config.materialized ?? 'view');
  // A view's catalog entry holds its definition, not rows: views are cheap and always run.
  if (materialized !== 'table' && materialized !== 'incremental') return `${materialized} models always run`;
  if (node.config.sql_header) return 'hooks and sql_header may do anything, so it always runs';
  // Their expressions run outside the compiled SELECT, so DuckDB's parser never sees them (now() in a predicate…).
  if (nonEmpty(node.config.incremental_predicates) || nonEmpty(node.config.merge_clauses))
    return 'incremental_predicates and merge_clauses are not analysed, so it always runs';
  if (!node.relation) return 'no relation';
  return undefined;
}

/**
 * Whether a node will send SQL however the catalog stands — it has no memo, or is a kind that always
 * runs — so the run will need DuckDB. Read before any node runs, to start DuckDB early; a wrong guess
 * only costs time (an open not needed, or one started late), never a result.
 */
export function runsWhateverTheCatalog(node: ManifestNode, memos: ReadonlyMap<string, NodeMemo>): boolean {
  if (!memos.has(node.uniqueId) || node.resourceType === 'snapshot' || node.resourceType === 'unit_test') return true;
  if (nonEmpty(node.config.pre_hook) || nonEmpty(node.config.post_hook)) return true;
  return node.resourceType === 'model' && alwaysRunReason(node) !== undefined;
}

function nonEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return value !== '' && value !== false;
}
