import { Command, CommanderError } from 'commander';
import { LakehouseError } from '../core/errors';
import { TOOL_VERSION } from '../core/identity';
import { registerCatalogCommands } from './catalogCommands';
import { NotFabricReadyError, registerCheckCommand } from './checkCommand';
import { registerDemoCommand } from './demoCommand';
import { registerInitCommand } from './initCommand';
import { EXIT, exitCodeFor } from './exitCodes';
import { registerLakeCommands } from './lakeCommands';
import { registerLeaseCommands } from './leaseCommands';
import { registerQueryCommand } from './queryCommand';
import { registerRunCommands } from './runCommand';
import { createOutput, type Output } from './output';
import type { CliEnv } from './context';

async function main(argv: string[]): Promise<number> {
  const cli: CliEnv = { cwd: process.cwd(), env: process.env };
  let exitCode: number = EXIT.ok;
  const run = async (work: (out: Output) => Promise<void>, json: boolean | undefined) => {
    const out = createOutput(Boolean(json));
    try {
      await work(out);
    } catch (error) {
      // A failed run (or an export that skipped tables, or a readiness report) already printed its
      // result; JSON output stays one document.
      const reported =
        (out.json &&
          error instanceof LakehouseError &&
          (error.code === 'run-failed' || error.code === 'delta-skipped')) ||
        error instanceof NotFabricReadyError;
      if (!reported) out.error(error);
      exitCode = exitCodeFor(error);
    }
  };

  const program = new Command('lakehouse')
    .description('Lakehouse Dev: a lease-guarded DuckLake catalog on OneLake, models run locally, Delta Lake export.')
    .version(TOOL_VERSION, '-v, --version')
    .exitOverride()
    .showHelpAfterError();
  registerLeaseCommands(program, cli, run);
  registerLakeCommands(program, cli, run);
  registerRunCommands(program, cli, run);
  registerInitCommand(program, cli, run);
  registerDemoCommand(program, cli, run);
  registerQueryCommand(program, cli, run);
  registerCheckCommand(program, cli, run);
  registerCatalogCommands(program, cli, run);

  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw error;
  }
  return exitCode;
}

main(process.argv).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`lakehouse: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(EXIT.error);
  },
);
