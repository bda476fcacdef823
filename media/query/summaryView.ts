/** The column summary pane: nulls, distinct, min/max and a small histogram, all computed in DuckDB. */
import type { ColumnInfo, ColumnSummary } from '../../src/core/query/types';
import { formatCount } from './cells';
import { el } from './dom';

export class SummaryView {
  readonly root = el('aside', { class: 'summary', role: 'region', 'aria-label': 'Column summary', hidden: '' });
  private readonly body = el('div', { class: 'summary-body' });

  constructor(onClose: () => void) {
    const close = el('button', { class: 'icon', title: 'Close summary', 'aria-label': 'Close summary' }, '×');
    close.addEventListener('click', () => {
      this.root.hidden = true;
      onClose();
    });
    this.root.append(el('div', { class: 'summary-head' }, el('h2', {}, 'Column summary'), close), this.body);
  }

  loading(column: ColumnInfo): void {
    this.root.hidden = false;
    this.body.replaceChildren(el('h3', {}, column.name), el('p', { class: 'muted' }, 'Computing…'));
  }

  show(column: ColumnInfo, s: ColumnSummary, totalRows: number): void {
    this.root.hidden = false;
    const value = (v: string | null) =>
      v === null ? el('span', { class: 'null', 'data-null': 'true' }, 'NULL') : el('span', {}, v);
    const stats = el(
      'dl',
      { class: 'stats' },
      el('dt', {}, 'Type'),
      el('dd', {}, column.type),
      el('dt', {}, 'Rows'),
      el('dd', {}, formatCount(totalRows)),
      el('dt', {}, 'Nulls'),
      el('dd', {}, `${formatCount(s.nulls)}${totalRows ? ` (${((100 * s.nulls) / totalRows).toFixed(1)}%)` : ''}`),
      el('dt', {}, 'Distinct'),
      el('dd', {}, formatCount(s.distinct)),
      el('dt', {}, 'Min'),
      el('dd', {}, value(s.min)),
      el('dt', {}, 'Max'),
      el('dd', {}, value(s.max)),
    );
    const peak = Math.max(1, ...s.histogram.map((b) => b.count));
    const histogram = el('ol', { class: 'histogram', 'aria-label': 'Histogram' });
    for (const bin of s.histogram) {
      const bar = el('span', { class: 'bar' });
      bar.style.width = `${Math.max(1, (100 * bin.count) / peak)}%`;
      histogram.append(
        el(
          'li',
          { title: `${bin.label}: ${bin.count}` },
          el('span', { class: 'bin-label' }, bin.label),
          el('span', { class: 'bar-track' }, bar),
          el('span', { class: 'bin-count' }, formatCount(bin.count)),
        ),
      );
    }
    this.body.replaceChildren(el('h3', {}, column.name), stats, el('h4', {}, 'Histogram'), histogram);
  }

  error(message: string): void {
    this.body.replaceChildren(el('p', { class: 'error-text' }, message));
  }
}
