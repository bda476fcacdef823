/**
 * The benchmark's child process (bundled to dist/bench/runners.js). Each
 * command runs in its own Node process so the parent can measure its wall
 * time and peak RSS the same way it measures a `dbt` process.
 *
 *   build <projectDir> [varsJson]       built-in `dbt build`; prints a BuildOutcome as JSON
 *   counts <catalogPath> <dataPath>     row counts of every table and view, as JSON
 *   energy <landingDir> <optionsJson>   writes one batch of energy landing files
 *   info                                DuckDB and extension versions, as JSON
 *   floor <projectDir> <statementsFile> the floor: the built-in run's SQL replayed by one DuckDB
 *   tpcds <projectDir> <landingDir> <optionsJson>  writes the TPC-DS project and its Parquet inputs
 *   phases <projectDir> [run|build]     a built-in build (or run) with its time split into phases, as JSON
 */
import { generateEnergyFiles } from '../examples/energy/generate';
import { builtinBuild } from './builtin-build';
import { catalogCounts } from './catalog-counts';
import { duckdbInfo } from './duckdb-info';
import { replayFloor } from './floor-replay';
import { phaseMarks } from './phase-marks';
import { writeTpcdsProject } from './tpcds-project';

async function main(argv: string[]): Promise<number> {
  const [command, a, b, c] = argv;
  switch (command) {
    case 'build': {
      const outcome = await builtinBuild(a!, b ? (JSON.parse(b) as Record<string, unknown>) : {});
      print(outcome);
      return outcome.success ? 0 : 1;
    }
    case 'counts':
      print(await catalogCounts(a!, b!));
      return 0;
    case 'energy':
      print({ readingRows: generateEnergyFiles(a!, JSON.parse(b!)).readingRows });
      return 0;
    case 'floor':
      print(await replayFloor(a!, b!));
      return 0;
    case 'phases':
      print(await phaseMarks(a!, b === 'run' ? 'run' : 'build'));
      return 0;
    case 'tpcds':
      print(await writeTpcdsProject(a!, b!, JSON.parse(c!)));
      return 0;
    case 'info':
      print(await duckdbInfo());
      return 0;
    default:
      process.stderr.write(`unknown bench command: ${command ?? '(none)'}\n`);
      return 2;
  }
}

/** One JSON document on its own last line of stdout, so log lines above it do not matter. */
function print(value: unknown): void {
  process.stdout.write(`\n${JSON.stringify(value)}\n`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
