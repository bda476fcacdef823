// One repetition of one scenario: fresh workspaces for every side, then each
// step timed on the two runners, in an order that alternates between
// repetitions so slow phases of a noisy machine do not always hit the same
// side. The floor replays what the built-in side just sent, so it runs after it.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { compareRowCounts } from './row-guard.mjs';
import { SIDES, timedBuild, timedFloor } from './sides.mjs';
import { makeWorkspace } from './workspace.mjs';

export async function runRepetition(scenario, rep, { tmpRoot, keep, floor, log }) {
  const root = join(tmpRoot, `${scenario.name}-rep${rep}`);
  const ws = {
    builtin: makeWorkspace(root, scenario.sourceDir, 'builtin', scenario.env),
    dbt: makeWorkspace(root, scenario.sourceDir, 'dbt', scenario.env),
  };
  if (floor) ws.floor = makeWorkspace(root, scenario.sourceDir, 'floor', scenario.env);
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
    if (ws.floor) {
      sample.floor = await timedFloor(ws.floor, ws.builtin, step.id);
      log(
        `  ${step.id} rep ${rep} floor    ${sample.floor.seconds.toFixed(2)}s  ${Math.round(sample.floor.maxRssMb)} MB`,
      );
    }
    if (sample.builtin.nodes !== sample.dbt.nodes) {
      throw new Error(`${step.id}: built-in ran ${sample.builtin.nodes} nodes, dbt ${sample.dbt.nodes}`);
    }
    sample.rows = await compareRowCounts(step.id, ws.builtin, ws.dbt);
    if (ws.floor) await compareRowCounts(`${step.id} (floor)`, ws.builtin, ws.floor);
    samples[step.id] = sample;
  }
  // Only a successful repetition is cleaned up; a failure leaves its logs in place.
  if (!keep) rmSync(root, { recursive: true, force: true });
  return samples;
}
