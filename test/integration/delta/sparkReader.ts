import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DuckDBSession, quoteLiteral } from '../../../src/core/lake/duckdb';
import { contentHash, type DeltaRsResult } from './helpers';

export const sparkVenv = process.env.LAKEHOUSE_SPARK_VENV ?? join(homedir(), '.cache/lakehouse-dev/py-spark');

interface Answer {
  id: number;
  ok: boolean;
  error?: string;
  version: number;
  files: number;
  rows: number;
}

/**
 * Reader 3: Apache Spark with delta-spark (the engine family Fabric runs).
 * Spark starts in many seconds, so one local session serves a whole test
 * file: `spark_reader.py` reads one JSON request per line and writes the
 * table's rows as Parquet, which DuckDB hashes like the other readers' rows.
 */
export class SparkDeltaReader {
  private nextId = 0;
  private readonly waiting = new Map<number, (answer: Answer) => void>();
  private stderrTail = '';

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {}

  static async start(): Promise<SparkDeltaReader> {
    const python = join(sparkVenv, 'bin/python');
    const jarDir = join(sparkVenv, 'delta-jars');
    if (!existsSync(python) || !existsSync(jarDir))
      throw new Error(`Spark peer missing at ${sparkVenv}: run npm run provision:spark`);
    const jars = readdirSync(jarDir)
      .filter((n) => n.endsWith('.jar'))
      .map((n) => join(jarDir, n));
    const child = spawn(python, [join(import.meta.dirname, 'spark_reader.py')], {
      env: { ...process.env, LAKEHOUSE_DELTA_JARS: jars.join(':'), PYSPARK_PYTHON: python },
    });
    const reader = new SparkDeltaReader(child);
    child.stderr.on('data', (chunk: Buffer) => {
      reader.stderrTail = (reader.stderrTail + chunk.toString()).slice(-4000);
    });
    // A Spark that dies fails every read still waiting, with its own last words.
    child.once('exit', (code) => {
      for (const [id, answer] of reader.waiting) {
        answer({
          id,
          ok: false,
          error: `Spark exited (${code}): ${reader.stderrTail}`,
          version: -1,
          files: -1,
          rows: -1,
        });
      }
      reader.waiting.clear();
    });
    const lines = createInterface({ input: child.stdout });
    const ready = new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`Spark reader exited (${code}): ${reader.stderrTail}`)));
      lines.on('line', (line) => {
        if (!line.startsWith('{')) return; // anything Spark or py4j prints is not an answer
        const message = JSON.parse(line) as Answer & { ready?: boolean };
        if (message.ready) return resolve();
        reader.waiting.get(message.id)?.(message);
        reader.waiting.delete(message.id);
      });
    });
    await ready;
    return reader;
  }

  /** Reads the Delta table at `folder` with Spark; content hashed by DuckDB. */
  async read(folder: string): Promise<DeltaRsResult> {
    const dir = await mkdtemp(join(tmpdir(), 'delta-spark-'));
    const out = join(dir, 'rows');
    try {
      const id = ++this.nextId;
      if (this.child.exitCode !== null) throw new Error(`Spark exited (${this.child.exitCode}): ${this.stderrTail}`);
      const answer = await new Promise<Answer>((resolve) => {
        this.waiting.set(id, resolve);
        this.child.stdin.write(`${JSON.stringify({ id, path: folder, out })}\n`);
      });
      if (!answer.ok) throw new Error(`Spark could not read ${folder}: ${answer.error}`);
      const session = await DuckDBSession.open({ threads: 2 });
      try {
        const content = await contentHash(
          session,
          `SELECT * FROM read_parquet(${quoteLiteral(join(out, '*.parquet'))})`,
        );
        if (content.rows !== answer.rows) throw new Error(`Spark wrote ${content.rows} rows but read ${answer.rows}`);
        return { ...content, version: answer.version, files: answer.files };
      } finally {
        session.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }
}
