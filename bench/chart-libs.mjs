// Measures the chart library candidates for the results view (docs/QUERY-VIEW.md):
// minified bundle size of what the panel would import, and the time to draw
// 100k points (line and scatter) in headless Chromium. Not part of `npm run bench`:
// it installs the candidates into a scratch folder first.
//   node bench/chart-libs.mjs [scratchDir]
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';

const dir = resolve(process.argv[2] ?? '/tmp/lakehouse-chart-libs');
const VERSIONS = { uplot: '1.6.32', 'chart.js': '4.6.1', echarts: '6.1.0' };
mkdirSync(dir, { recursive: true });
if (!existsSync(join(dir, 'node_modules/echarts'))) {
  writeFileSync(join(dir, 'package.json'), '{"name":"chart-libs","private":true}');
  const specs = Object.entries(VERSIONS).map(([n, v]) => `${n}@${v}`);
  execFileSync('npm', ['install', '--no-audit', '--no-fund', ...specs], { cwd: dir, stdio: 'inherit' });
}

const N = 100_000;
// Each entry draws N points as `kind` into #c and resolves when the frame is painted.
const entries = {
  uplot: `
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
window.draw = (xs, ys, kind) => {
  const paths = kind === 'scatter' ? () => null : undefined;
  const u = new uPlot({ width: 800, height: 400, scales: { x: { time: false } },
    series: [{}, { stroke: '#3794ff', paths, points: { show: kind === 'scatter', size: 2 } }] },
    [xs, ys], document.getElementById('c'));
  return u;
};`,
  'chart.js': `
import { Chart, LineController, ScatterController, BarController, LineElement, PointElement, BarElement,
  LinearScale, CategoryScale, TimeScale, Tooltip, Legend } from 'chart.js';
Chart.register(LineController, ScatterController, BarController, LineElement, PointElement, BarElement,
  LinearScale, CategoryScale, Tooltip, Legend);
window.draw = (xs, ys, kind) => {
  const canvas = document.createElement('canvas'); canvas.width = 800; canvas.height = 400;
  document.getElementById('c').append(canvas);
  const data = Array.from(xs, (x, i) => ({ x, y: ys[i] }));
  return new Chart(canvas, { type: kind, data: { datasets: [{ data, pointRadius: kind === 'scatter' ? 1 : 0,
    borderWidth: 1 }] }, options: { animation: false, responsive: false, parsing: false, normalized: true,
    scales: { x: { type: 'linear' } } } });
};`,
  echarts: `
import * as echarts from 'echarts/core';
import { LineChart, BarChart, ScatterChart } from 'echarts/charts';
import { GridComponent, TooltipComponent, LegendComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
echarts.use([LineChart, BarChart, ScatterChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);
window.draw = (xs, ys, kind) => {
  const c = document.getElementById('c'); c.style.width = '800px'; c.style.height = '400px';
  const chart = echarts.init(c, null, { renderer: 'canvas' });
  const data = Array.from(xs, (x, i) => [x, ys[i]]);
  chart.setOption({ animation: false, xAxis: { type: 'value' }, yAxis: { type: 'value' },
    series: [{ type: kind, data, symbolSize: 2, showSymbol: kind === 'scatter', large: true }] });
  return chart;
};`,
};

const results = [];
const browser = await chromium.launch({
  executablePath: process.env.LAKEHOUSE_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
for (const [name, source] of Object.entries(entries)) {
  const out = await esbuild.build({
    stdin: { contents: source, resolveDir: dir, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'iife',
    write: false,
    outdir: join(dir, 'out'),
    loader: { '.css': 'css' },
    logLevel: 'silent',
  });
  const js = out.outputFiles.find((f) => f.path.endsWith('.js')).text;
  const css = out.outputFiles.find((f) => f.path.endsWith('.css'))?.text ?? '';
  const row = {
    library: `${name}@${VERSIONS[name]}`,
    minKB: +(js.length / 1024).toFixed(1),
    gzipKB: +(gzipSync(js).length / 1024).toFixed(1),
  };
  for (const kind of ['line', 'scatter']) {
    const times = [];
    for (let run = 0; run < 5; run++) {
      const page = await browser.newPage();
      await page.setContent(`<style>${css}</style><div id="c"></div><script>${js}</script>`);
      const ms = await page.evaluate(
        async ([n, k]) => {
          const xs = new Float64Array(n),
            ys = new Float64Array(n);
          for (let i = 0; i < n; i++) {
            xs[i] = i;
            ys[i] = Math.sin(i / 500) * 100 + (i % 97);
          }
          const t0 = performance.now();
          window.draw(xs, ys, k);
          await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
          return performance.now() - t0;
        },
        [N, kind],
      );
      times.push(ms);
      await page.close();
    }
    times.sort((a, b) => a - b);
    row[`${kind}MedianMs`] = Math.round(times[2]);
  }
  results.push(row);
  console.log(JSON.stringify(row));
}
await browser.close();
console.table(results);
