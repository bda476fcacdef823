#!/usr/bin/env node
// Writes one batch of the energy example's landing files.
//   node examples/energy/generate-data.mjs --dir examples/energy/landing --scale 10 --days 7 --batch 1
// The generator is TypeScript (generate.ts, also imported by tests); esbuild turns it into JS on the fly.
import { build } from 'esbuild';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: join(here, 'landing') },
    scale: { type: 'string', default: '10' },
    days: { type: 'string', default: '7' },
    start: { type: 'string', default: '2024-03-01' },
    batch: { type: 'string', default: '1' },
  },
});
const bundle = await build({
  entryPoints: [join(here, 'generate.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  write: false,
});
const module = await import(
  `data:text/javascript;base64,${Buffer.from(bundle.outputFiles[0].text).toString('base64')}`
);
const result = module.generateEnergyFiles(resolve(values.dir), {
  scale: Number(values.scale),
  days: Number(values.days),
  startDate: values.start,
  batch: Number(values.batch),
});
console.log(
  `batch ${values.batch}: ${result.files.length} files, ${result.readingRows} reading rows in ${resolve(values.dir)}`,
);
