#!/usr/bin/env node
// npm run bench: the built-in runner vs real dbt-duckdb on the same projects and
// inputs. Writes bench/results/latest.json (and a dated baseline) and prints a
// table. Measures only; nothing here asserts a timing. See bench/results/README.md.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from './lib/args.mjs';
import { machineInfo } from './lib/machine.mjs';
import { runRepetition } from './lib/repetition.mjs';
import { caseResult, summaryTable, writeResults } from './lib/report.mjs';
import { scenarios } from './lib/cases.mjs';
import { DBT, RUNNER } from './lib/sides.mjs';
import { basicMachine, querySummary, runQuerySuite } from './lib/query-suite.mjs';
import { icebergSummary, runIcebergSuite } from './lib/iceberg-suite.mjs';
import { runTeamModeSuite, teamModeSummary } from './lib/teammode-suite.mjs';
import { publishSummary, recordPublish, runPublishSuite } from './lib/publish-suite.mjs';
import { deltaSummary, runDeltaSuite } from './lib/delta-suite.mjs';
import { noopSummary, runNoopSuite } from './lib/noop-suite.mjs';

const repoDir = resolve(import.meta.dirname, '..');
const resultsDir = join(repoDir, 'bench', 'results');
const log = (message) => console.log(message);

async function main() {
  const options = parseArgs(process.argv.slice(2));
  // Both sides load the extension binaries `npm run provision:extensions` laid out.
  process.env.LAKEHOUSE_DUCKDB_EXTENSIONS ??= join(repoDir, '.duckdb-extensions');
  if (options.suites.includes('teammode')) {
    log('bench: team mode (examples/energy, 1/2/4 writers: PostgreSQL catalog vs SQLite + lease)…');
    const team = await runTeamModeSuite(repoDir, { reps: options.reps });
    log(teamModeSummary(team));
    const dated = join(resultsDir, `${new Date().toISOString().slice(0, 10)}-teammode.json`);
    const document = { benchmark: 'team mode: concurrent writers', machine: basicMachine(), ...team };
    writeFileSync(dated, `${JSON.stringify(document, null, 2)}\n`);
    log(`wrote ${dated.slice(repoDir.length + 1)}`);
    if (options.suites.length === 1) return;
  }
  let query;
  if (options.suites.includes('query')) {
    log('bench: query engine (SELECT * over 10M rows, paging, caller memory, a published table)…');
    query = await runQuerySuite(repoDir);
    log(querySummary(query));
  }
  if (options.suites.includes('iceberg')) {
    log('bench: Iceberg export beside Delta (local disk, first and incremental)…');
    const iceberg = { machine: basicMachine(), ...(await runIcebergSuite(repoDir, options)) };
    log(icebergSummary(iceberg));
    const dated = join(resultsDir, `${new Date().toISOString().slice(0, 10)}-iceberg.json`);
    writeFileSync(dated, `${JSON.stringify({ benchmark: 'Iceberg export vs Delta export', ...iceberg }, null, 2)}\n`);
    log(`wrote ${dated.slice(repoDir.length + 1)}`);
  }
  if (options.suites.includes('publish')) {
    log(`bench: publish of k = ${options.publishKs.join(', ')} new files vs the plain-upload floor on Azurite…`);
    const publish = await runPublishSuite(repoDir, { ks: options.publishKs, reps: options.reps });
    log(publishSummary(publish));
    const written = recordPublish(resultsDir, publish, { baseline: options.baseline, label: options.publishLabel });
    log(`wrote ${written.map((f) => f.slice(repoDir.length + 1)).join(', ')}`);
  }
  if (options.suites.includes('delta')) await runDelta(options);
  if (options.suites.includes('noop')) await runNoop(options);
  if (!options.suites.includes('runners')) return query ? recordQueryOnly(query, options) : undefined;
  if (!existsSync(RUNNER)) throw new Error(`${RUNNER} is missing: run 'node esbuild.mjs' (npm run bench does).`);
  // The dbt side needs the peers venv the integration tests use; the script is idempotent.
  if (!existsSync(DBT))
    execFileSync('bash', [join(repoDir, 'scripts', 'provision-python-peers.sh')], { stdio: 'inherit' });
  if (!existsSync(DBT)) throw new Error(`dbt not found at ${DBT}: run 'npm run provision:peers'.`);

  const machine = await machineInfo(repoDir);
  log(
    `bench: ${machine.cpuModel}, ${machine.cores} cores, ${machine.totalMemGb} GB; DuckDB ${machine.duckdbBuiltin}, dbt-core ${machine.dbtCore} + dbt-duckdb ${machine.dbtDuckdb}; ${options.reps} reps`,
  );

  const tmpRoot = join(resultsDir, 'tmp', new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(tmpRoot, { recursive: true });
  const cases = [];
  for (const scenario of scenarios(options, { examplesDir: join(repoDir, 'examples'), tmpRoot })) {
    if (scenario.prepare) {
      log(`bench: generating the ${scenario.name} project…`);
      Object.assign(scenario, await scenario.prepare());
      log(`  ${JSON.stringify(scenario.made)}`);
    }
    const samples = Object.fromEntries(scenario.steps.map((s) => [s.id, []]));
    for (let rep = 1; rep <= options.reps; rep++) {
      const byStep = await runRepetition(scenario, rep, { tmpRoot, keep: options.keep, floor: options.floor, log });
      for (const [id, sample] of Object.entries(byStep)) samples[id].push(sample);
    }
    for (const step of scenario.steps) cases.push(caseResult(step, samples[step.id]));
  }
  if (!options.keep) rmSync(tmpRoot, { recursive: true, force: true });

  const document = {
    benchmark: 'runners: built-in vs dbt-duckdb',
    machine,
    settings: {
      reps: options.reps,
      energy: { scale: options.energyScale, daysPerBatch: options.energyDays },
      tpch: { scale: options.tpchScale },
      tpcds: { scale: options.tpcdsScale, threads: options.tpcdsThreads },
      floor: options.floor ? "the built-in run's statements replayed by one DuckDB process" : 'off',
      duckdb: 'in memory, default threads (all cores) and memory_limit on both sides',
      dbtThreads: 'from each example profile (1)',
    },
    cases,
    ...(query ? { query } : {}),
  };
  // Other work on the machine shows up here; the per-sample load1AtStart says when.
  document.machine.loadAvgEnd = loadavg().map((l) => Math.round(l * 100) / 100);
  const written = writeResults(resultsDir, document, { baseline: options.baseline });
  log(
    `\n${summaryTable(cases)}\n\nratio = built-in median / dbt median wall time (below 1: built-in faster); vs floor = built-in median / floor median, per rep = median of each repetition's built-in / floor; CPU = median user+system seconds; RSS = median peak RSS of the process.`,
  );
  log(`wrote ${written.map((f) => f.slice(repoDir.length + 1)).join(', ')}`);
}

/** Only the query suite ran: keep the recorded runner cases in latest.json, replace its query section. */
function recordQueryOnly(query, options) {
  const latest = join(resultsDir, 'latest.json');
  const previous = existsSync(latest) ? JSON.parse(readFileSync(latest, 'utf8')) : {};
  const document = { ...previous, query: { machine: basicMachine(), ...query } };
  writeFileSync(latest, `${JSON.stringify(document, null, 2)}\n`);
  const written = [latest];
  if (options.baseline) {
    const dated = join(resultsDir, `${new Date().toISOString().slice(0, 10)}-query.json`);
    writeFileSync(
      dated,
      `${JSON.stringify({ benchmark: 'query engine', machine: basicMachine(), ...query }, null, 2)}\n`,
    );
    written.push(dated);
  }
  log(`wrote ${written.map((f) => f.slice(repoDir.length + 1)).join(', ')}`);
}

/** The Delta export suite: its own section of latest.json and its own dated file. */
async function runDelta(options) {
  log(`bench: Delta export vs delta-rs at ${options.deltaSizes.join(', ')} files…`);
  const tmpRoot = join(resultsDir, 'tmp', `delta-${Date.now()}`);
  const delta = {
    machine: basicMachine(),
    ...(await runDeltaSuite(repoDir, { sizes: options.deltaSizes, reps: options.reps, tmpRoot, log })),
  };
  rmSync(tmpRoot, { recursive: true, force: true });
  log(deltaSummary(delta.cases));
  const latest = join(resultsDir, 'latest.json');
  const previous = existsSync(latest) ? JSON.parse(readFileSync(latest, 'utf8')) : {};
  writeFileSync(latest, `${JSON.stringify({ ...previous, delta }, null, 2)}\n`);
  if (options.baseline) {
    const label = options.deltaLabel ? `-${options.deltaLabel}` : '';
    const dated = join(resultsDir, `${new Date().toISOString().slice(0, 10)}-delta${label}.json`);
    writeFileSync(dated, `${JSON.stringify({ benchmark: 'Delta export vs delta-rs', ...delta }, null, 2)}\n`);
  }
}

async function runNoop(options) {
  log('bench: no-op run and build over lake tables vs the floor (Node + DuckDB + attach)…');
  const tmpRoot = join(resultsDir, 'tmp', `noop-${Date.now()}`);
  const sides = { current: join(repoDir, 'dist', 'cli.js') };
  // Another build of the CLI (e.g. main's), measured the same way on its own copy of the project.
  if (options.noopCli) sides.other = resolve(options.noopCli);
  const noop = { machine: basicMachine() };
  for (const [label, cli] of Object.entries(sides)) {
    noop[label] = { cli, ...(await runNoopSuite(repoDir, { reps: options.reps, tmpRoot: join(tmpRoot, label), cli })) };
    log(`${label} (${cli}):\n${noopSummary(noop[label])}`);
  }
  if (!options.keep) rmSync(tmpRoot, { recursive: true, force: true });
  if (options.baseline) {
    const dated = join(resultsDir, `${new Date().toISOString().slice(0, 10)}-noop.json`);
    writeFileSync(dated, `${JSON.stringify({ benchmark: 'no-op runs over lake tables', ...noop }, null, 2)}\n`);
    log(`wrote ${dated.slice(repoDir.length + 1)}`);
  }
}

main().catch((error) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
