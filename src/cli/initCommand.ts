import type { Command } from 'commander';
import { initProject } from '../core/config/initProject';
import type { CliEnv } from './context';
import type { Output } from './output';

type Run = (work: (out: Output) => Promise<void>, json: boolean | undefined) => Promise<void>;

export function registerInitCommand(program: Command, cli: CliEnv, run: Run): void {
  program
    .command('init')
    .description('write lakehouse.yml (and a dbt-duckdb profile if the project has none) for this dbt project')
    .argument(
      '<location>',
      'onelake://<workspace>/<lakehouse>.Lakehouse, abfss://…, or azurite://host:port/<container>/<item>',
    )
    .option('--name <name>', 'name of the lakehouse in lakehouse.yml (default: from the location)')
    .option('--project <dir>', 'dbt project folder (default: the current folder)')
    .option('--catalog <path>', 'catalog path inside the lakehouse', 'Files/metadata.db')
    .option('--force', 'replace an existing lakehouse.yml')
    .option('--json', 'print JSON')
    .action(
      (
        location: string,
        opts: { name?: string; project?: string; catalog?: string; force?: boolean; json?: boolean },
      ) =>
        run(async (out) => {
          const result = initProject({ cwd: cli.cwd, location, env: cli.env, ...opts });
          const lines = [
            ...result.written.map((w) => `Wrote ${w.file}: ${w.what}`),
            ...result.kept.map((k) => `Kept ${k.file}: ${k.what}`),
            'Next: lakehouse run (add --publish to upload the result).',
          ];
          out.result(lines.join('\n'), { ok: true, ...result });
        }, opts.json),
    );
}
