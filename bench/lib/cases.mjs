// What is measured. A scenario is one project (an example, or TPC-DS generated
// at bench time); its steps are the timed builds, run in order in the same
// workspace (so the energy incremental build starts from the catalog its full
// build left).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runnerCall } from './runner-child.mjs';

const ENERGY_START = '2024-03-01'; // inside the example's calendar_start..calendar_end

export function scenarios(options, { examplesDir, tmpRoot }) {
  const energyBatch = (batch) => (ws) =>
    runnerCall([
      'energy',
      ws.landingPath,
      JSON.stringify({ scale: options.energyScale, days: options.energyDays, startDate: ENERGY_START, batch }),
    ]);
  const all = {
    energy: {
      sourceDir: join(examplesDir, 'energy'),
      vars: {},
      steps: [
        {
          id: 'energy-full',
          title: `energy full build (scale ${options.energyScale}, ${options.energyDays} days)`,
          before: energyBatch(1),
        },
        {
          id: 'energy-incremental',
          title: `energy incremental build (batch 2: +${options.energyDays} days, restatements)`,
          before: energyBatch(2),
        },
        // Nothing new landed: what a user's "run again" costs.
        { id: 'energy-nothing-new', title: 'energy build again with nothing new', before: undefined },
        // And once more: what the built-in runner's skip of unchanged models leaves of a no-op.
        { id: 'energy-nothing-new-again', title: 'energy build a second time with nothing new', before: undefined },
      ],
    },
    tpch: {
      sourceDir: join(examplesDir, 'tpch'),
      vars: { tpch_scale: options.tpchScale },
      steps: [{ id: 'tpch-full', title: `tpch full build (SF ${options.tpchScale})`, before: undefined }],
    },
    tpcds: {
      // Generated once per bench run (untimed): the project and its Parquet inputs, shared read-only by every side.
      prepare: async () => {
        const dir = join(tmpRoot, 'tpcds-source');
        const landing = join(dir, 'landing');
        mkdirSync(dir, { recursive: true });
        const made = await runnerCall([
          'tpcds',
          join(dir, 'project'),
          landing,
          JSON.stringify({ scale: options.tpcdsScale, threads: options.tpcdsThreads }),
        ]);
        return { sourceDir: join(dir, 'project'), env: { TPCDS_LANDING_PATH: landing }, made };
      },
      vars: {},
      steps: [
        {
          id: 'tpcds-full',
          title: `tpcds full build (SF ${options.tpcdsScale}, 24 staging + 99 query models, threads ${options.tpcdsThreads})`,
          before: undefined,
        },
      ],
    },
  };
  return options.cases.map((name) => ({ name, ...all[name] }));
}
