// One repetition of one scenario: fresh workspaces for both sides, then each
// step timed on both sides, in an order that alternates between repetitions
// so slow phases of a noisy machine do not always hit the same side.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { compareRowCounts } from './row-guard.mjs';
import { SIDES, timedBuild } from './sides.mjs';
import { makeWorkspace } from './workspace.mjs';

export async function runRepetition(scenario, rep, { tmpRoot, examplesDir, keep, log }) {
  const root = join(tmpRoot, `${scenario.name}-rep${rep}`);
  const ws = {
    builtin: makeWorkspace(root, examplesDir, scenario.example, 'builtin'),
    dbt: makeWorkspace(root, examplesDir, scenario.example, 'dbt'),
  };
  const order = rep % 2 === 1 ? ['builtin', 'dbt'] : ['dbt', 'builtin'];
  const samples = {};
  for (const step of scenario.steps) {
    // Inputs are generated untimed and identically (deterministic) in both workspaces.
    if (step.before) for (const side of order) await step.before(ws[side]);
    const sample = { order };
    for (const side of order) {
      sample[side] = await timedBuild(side, ws[side], scenario.vars, step.id);
      log(
        `  ${step.id} rep ${rep} ${SIDES[side].label.padEnd(8)} ${sample[side].seconds.toFixed(2)}s  ${Math.round(sample[side].maxRssMb)} MB`,
      );
    }
    if (sample.builtin.nodes !== sample.dbt.nodes) {
      throw new Error(`${step.id}: built-in ran ${sample.builtin.nodes} nodes, dbt ${sample.dbt.nodes}`);
    }
    sample.rows = await compareRowCounts(step.id, ws.builtin, ws.dbt);
    samples[step.id] = sample;
  }
  // Only a successful repetition is cleaned up; a failure leaves its logs in place.
  if (!keep) rmSync(root, { recursive: true, force: true });
  return samples;
}
