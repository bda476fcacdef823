// What is measured. A scenario is one example project; its steps are the timed
// builds, run in order in the same workspace (so the energy incremental build
// starts from the catalog its full build left).
import { runnerCall } from './runner-child.mjs';

const ENERGY_START = '2024-03-01'; // inside the example's calendar_start..calendar_end

export function scenarios(options) {
  const energyBatch = (batch) => (ws) =>
    runnerCall([
      'energy',
      ws.landingPath,
      JSON.stringify({ scale: options.energyScale, days: options.energyDays, startDate: ENERGY_START, batch }),
    ]);
  const all = {
    energy: {
      example: 'energy',
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
      ],
    },
    tpch: {
      example: 'tpch',
      vars: { tpch_scale: options.tpchScale },
      steps: [{ id: 'tpch-full', title: `tpch full build (SF ${options.tpchScale})`, before: undefined }],
    },
  };
  return options.cases.map((name) => ({ name, ...all[name] }));
}
