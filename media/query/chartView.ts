/**
 * The Chart tab: x / y / series pickers (defaults: a date on x, a number on
 * y) and a bar, line or scatter chart drawn by uPlot (chosen by measurement,
 * see docs/QUERY-VIEW.md). The engine reduces the data to at most LIMIT points.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ChartData, ColumnInfo } from '../../src/core/query/types';
import type { ChartKind } from '../../src/core/query/webviewProtocol';
import { alignSeries } from './chartData';
import { defaultChartAxes, defaultChartKind } from './chartDefaults';
import { el } from './dom';

export const CHART_POINT_LIMIT = 100_000;

export interface ChartHost {
  requestChart(x: number, y: number, series: number | undefined, limit: number): void;
}

const PALETTE = ['blue', 'orange', 'green', 'purple', 'red', 'yellow'];

export class ChartView {
  readonly root: HTMLElement;
  private readonly xSel = el('select', { 'aria-label': 'X axis' });
  private readonly ySel = el('select', { 'aria-label': 'Y axis' });
  private readonly sSel = el('select', { 'aria-label': 'Series' });
  private readonly kindSel = el('select', { 'aria-label': 'Chart type' });
  private readonly note = el('span', { class: 'chart-note', role: 'status' });
  private readonly canvasBox = el('div', { class: 'chart-box' });
  private columns: ColumnInfo[] = [];
  private plot: uPlot | undefined;
  private data: ChartData | undefined;

  constructor(private readonly host: ChartHost) {
    for (const k of ['bar', 'line', 'scatter']) this.kindSel.append(el('option', { value: k }, k));
    const label = (text: string, control: HTMLElement) => el('label', {}, el('span', {}, text), control);
    this.root = el(
      'div',
      { class: 'chart', role: 'tabpanel', id: 'panel-chart', 'aria-labelledby': 'tab-chart' },
      el(
        'div',
        { class: 'chart-controls' },
        label('Type', this.kindSel),
        label('X', this.xSel),
        label('Y', this.ySel),
        label('Series', this.sSel),
        this.note,
      ),
      this.canvasBox,
    );
    for (const s of [this.xSel, this.ySel, this.sSel]) s.addEventListener('change', () => this.request());
    this.kindSel.addEventListener('change', () => this.draw());
    new ResizeObserver(() => this.resize()).observe(this.canvasBox);
  }

  setColumns(columns: ColumnInfo[]): void {
    this.columns = columns;
    this.data = undefined;
    this.plot?.destroy();
    this.plot = undefined;
    const options = (sel: HTMLSelectElement, filter: (c: ColumnInfo) => boolean, none?: string) => {
      sel.replaceChildren(...(none ? [el('option', { value: '' }, none)] : []));
      columns.forEach((c, i) => filter(c) && sel.append(el('option', { value: String(i) }, c.name)));
    };
    options(this.xSel, () => true);
    options(this.ySel, (c) => c.display === 'number');
    options(this.sSel, (c) => c.display === 'text' || c.display === 'boolean', '(none)');
    const axes = defaultChartAxes(columns);
    if (!axes) {
      this.note.textContent = 'No numeric column to plot.';
      return;
    }
    this.xSel.value = String(axes.x);
    this.ySel.value = String(axes.y);
    this.sSel.value = '';
    this.kindSel.value = defaultChartKind(columns, axes);
    this.note.textContent = '';
  }

  /** Asks the host for data when the tab is shown and nothing is drawn yet. */
  activate(): void {
    if (!this.data && this.ySel.value !== '') this.request();
  }

  private request(): void {
    if (this.ySel.value === '') return;
    this.note.textContent = 'Loading…';
    const series = this.sSel.value === '' ? undefined : Number(this.sSel.value);
    this.host.requestChart(Number(this.xSel.value), Number(this.ySel.value), series, CHART_POINT_LIMIT);
  }

  show(data: ChartData): void {
    this.data = data;
    const points = data.series.reduce((n, s) => n + s.points.length, 0);
    this.note.textContent = `${points.toLocaleString()} points${data.reduced ? ' (sampled)' : ''}`;
    this.draw();
  }

  showError(message: string): void {
    this.note.textContent = message;
  }

  private draw(): void {
    this.plot?.destroy();
    this.plot = undefined;
    if (!this.data) return;
    const kind = this.kindSel.value as ChartKind;
    const aligned = alignSeries(this.data);
    const css = getComputedStyle(document.body);
    const color = (name: string, fallback: string) =>
      css.getPropertyValue(`--vscode-charts-${name}`).trim() || fallback;
    const fg = color('foreground', css.getPropertyValue('--vscode-foreground').trim() || '#888');
    const grid = color('lines', 'rgba(128,128,128,0.3)');
    const axis = (values?: uPlot.Axis['values']): uPlot.Axis => ({
      stroke: fg,
      grid: { stroke: grid, width: 1 },
      ticks: { stroke: grid, width: 1 },
      ...(values ? { values } : {}),
    });
    const xLabels = aligned.labels;
    const bars = uPlot.paths.bars?.({ size: [0.7, 60], align: 0 });
    const opts: uPlot.Options = {
      width: Math.max(200, this.canvasBox.clientWidth),
      height: Math.max(160, this.canvasBox.clientHeight),
      scales: { x: { time: aligned.time, ...(xLabels ? { distr: 2 } : {}) } },
      axes: [axis(xLabels ? (_u, splits) => splits.map((v) => xLabels[Math.round(v)] ?? '') : undefined), axis()],
      legend: { show: aligned.names.length > 1 },
      cursor: { drag: { x: true, y: false } },
      series: [
        {},
        ...aligned.names.map((name, i) => {
          const stroke = color(PALETTE[i % PALETTE.length]!, '#3794ff');
          return {
            label: name,
            stroke,
            fill: kind === 'bar' ? stroke : undefined,
            width: kind === 'scatter' ? 0 : 1.5,
            paths: kind === 'bar' ? bars : kind === 'scatter' ? () => null : undefined,
            points: { show: kind === 'scatter', size: 3, fill: stroke, stroke },
            spanGaps: kind === 'line',
          } satisfies uPlot.Series;
        }),
      ],
    };
    this.plot = new uPlot(opts, aligned.data, this.canvasBox);
    this.canvasBox.setAttribute(
      'aria-label',
      `${kind} chart of ${this.columnName(this.ySel)} by ${this.columnName(this.xSel)}`,
    );
  }

  private columnName(sel: HTMLSelectElement): string {
    return this.columns[Number(sel.value)]?.name ?? '';
  }

  private resize(): void {
    if (this.plot)
      this.plot.setSize({
        width: Math.max(200, this.canvasBox.clientWidth),
        height: Math.max(160, this.canvasBox.clientHeight),
      });
  }
}
