/**
 * The virtualized results grid. It holds only the pages near the viewport
 * (fetched on demand through `fetchPage`) and renders only visible rows; a
 * 10M-row result costs the same DOM as a 100-row one. Keyboard: arrows,
 * PageUp/PageDown, Home/End, Ctrl+Home/End, Shift+ to extend the selection,
 * Enter to expand a value, Ctrl+C to copy.
 */
import type { Cell, ColumnFilter, ColumnInfo, SortKey } from '../../src/core/query/types';
import { cellView, typeLabel } from './cells';
import { el } from './dom';
import { parseFilter, filterText } from './filterSyntax';

export interface GridHost {
  fetchPage(offset: number, limit: number): void;
  sortChanged(sort: SortKey[]): void;
  filtersChanged(filters: ColumnFilter[]): void;
  showSummary(column: number): void;
  copySelection(): void;
  activeChanged(): void;
}

const ROW_H = 22;
// Browsers cap element heights (~33M px in Chromium); beyond this the scrollbar is scaled.
const MAX_SPACER = 10_000_000;
const KEEP_PAGES = 40;

export interface Position {
  row: number;
  col: number;
}

export class Grid {
  readonly root: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly header: HTMLElement;
  private readonly filterRow: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly body: HTMLElement;
  private columns: ColumnInfo[] = [];
  private widths: number[] = [];
  private total = 0;
  private pageSize = 200;
  private pages = new Map<number, Cell[][]>();
  private pending = new Set<number>();
  private sort: SortKey[] = [];
  private filters: ColumnFilter[] = [];
  active: Position = { row: 0, col: 0 };
  anchor: Position = { row: 0, col: 0 };
  private frame = 0;

  constructor(private readonly host: GridHost) {
    this.header = el('div', { class: 'grid-header', role: 'row', 'aria-rowindex': '1' });
    this.filterRow = el('div', { class: 'grid-filters', role: 'row', 'aria-rowindex': '2' });
    this.spacer = el('div', { class: 'grid-spacer' });
    this.body = el('div', { class: 'grid-body', role: 'rowgroup' });
    this.scroller = el(
      'div',
      {
        class: 'grid-scroller',
        tabindex: '0',
        role: 'grid',
        'aria-label': 'Query results',
        'aria-multiselectable': 'true',
      },
      el('div', { class: 'grid-head', role: 'rowgroup' }, this.header, this.filterRow),
      this.spacer,
      this.body,
    );
    this.root = el('div', { class: 'grid' }, this.scroller);
    this.scroller.addEventListener('scroll', () => this.schedule());
    this.scroller.addEventListener('keydown', (e) => this.onKey(e));
    this.body.addEventListener('mousedown', (e) => this.onMouse(e));
    new ResizeObserver(() => this.schedule()).observe(this.scroller);
  }

  /** A new result (or a new sort/filter): drop every cached page. */
  reset(columns: ColumnInfo[], total: number, pageSize: number, sort: SortKey[], filters: ColumnFilter[]): void {
    const sameColumns =
      columns.length === this.columns.length && columns.every((c, i) => c.name === this.columns[i]?.name);
    this.columns = columns;
    this.pageSize = pageSize;
    this.sort = sort;
    this.filters = filters;
    if (!sameColumns) {
      this.widths = columns.map(widthFor);
      this.active = { row: 0, col: 0 };
      this.anchor = { row: 0, col: 0 };
    }
    this.pages.clear();
    this.pending.clear();
    this.setTotal(total);
    this.renderHeader(!sameColumns);
    this.scroller.setAttribute('aria-colcount', String(columns.length));
    this.schedule();
  }

  /** Rows matching the filters changed (the first page after a filter brings the new count). */
  setTotal(total: number): void {
    this.total = total;
    this.spacer.style.height = `${Math.min(total * ROW_H, MAX_SPACER)}px`;
    this.spacer.style.width = `${this.widths.reduce((a, b) => a + b, 0)}px`;
    this.scroller.setAttribute('aria-rowcount', String(total + 2));
    this.clampActive();
  }

  addPage(offset: number, rows: Cell[][], total: number): void {
    const index = Math.floor(offset / this.pageSize);
    this.pending.delete(index);
    this.pages.set(index, rows);
    if (total !== this.total) this.setTotal(total);
    if (this.pages.size > KEEP_PAGES) {
      const near = Math.floor(this.firstVisible() / this.pageSize);
      const far = [...this.pages.keys()].sort((a, b) => Math.abs(b - near) - Math.abs(a - near));
      for (const k of far.slice(0, this.pages.size - KEEP_PAGES)) this.pages.delete(k);
    }
    this.schedule();
  }

  pageFailed(offset: number): void {
    this.pending.delete(Math.floor(offset / this.pageSize));
  }

  row(index: number): Cell[] | undefined {
    return this.pages.get(Math.floor(index / this.pageSize))?.[index % this.pageSize];
  }

  get totalRows(): number {
    return this.total;
  }

  get columnInfo(): ColumnInfo[] {
    return this.columns;
  }

  /** The selected rectangle, in rows and columns (inclusive). */
  selection(): { rows: [number, number]; cols: [number, number] } {
    return {
      rows: [Math.min(this.anchor.row, this.active.row), Math.max(this.anchor.row, this.active.row)],
      cols: [Math.min(this.anchor.col, this.active.col), Math.max(this.anchor.col, this.active.col)],
    };
  }

  /** Ensures the pages covering [from, to] are requested; true when all are present. */
  ensureRows(from: number, to: number): boolean {
    let ready = true;
    for (let p = Math.floor(from / this.pageSize); p <= Math.floor(to / this.pageSize); p++) {
      if (this.pages.has(p)) continue;
      ready = false;
      this.request(p);
    }
    return ready;
  }

  focus(): void {
    this.scroller.focus();
  }

  private request(page: number): void {
    if (this.pending.has(page) || page * this.pageSize >= this.total) return;
    this.pending.add(page);
    this.host.fetchPage(page * this.pageSize, this.pageSize);
  }

  private viewportRows(): number {
    return Math.max(1, Math.floor((this.scroller.clientHeight - this.headHeight()) / ROW_H));
  }

  private headHeight(): number {
    return (this.scroller.firstElementChild as HTMLElement).offsetHeight;
  }

  /** First row shown, from the scroll position (scaled when the spacer is capped). */
  private firstVisible(): number {
    const visible = this.viewportRows();
    const fullHeight = this.total * ROW_H;
    if (fullHeight <= MAX_SPACER) return Math.floor(this.scroller.scrollTop / ROW_H);
    const maxScroll = Math.max(1, this.scroller.scrollHeight - this.scroller.clientHeight);
    return Math.round((this.scroller.scrollTop / maxScroll) * Math.max(0, this.total - visible));
  }

  private scrollToRow(row: number): void {
    const visible = this.viewportRows();
    const first = this.firstVisible();
    if (row >= first && row < first + visible) return;
    const target = row < first ? row : row - visible + 1;
    const fullHeight = this.total * ROW_H;
    if (fullHeight <= MAX_SPACER) this.scroller.scrollTop = target * ROW_H;
    else {
      const maxScroll = this.scroller.scrollHeight - this.scroller.clientHeight;
      this.scroller.scrollTop = (target / Math.max(1, this.total - visible)) * maxScroll;
    }
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private renderHeader(rebuild: boolean): void {
    if (rebuild) {
      this.header.replaceChildren(
        ...this.columns.map((c, i) => {
          const sortButton = el(
            'button',
            { class: 'col-sort', 'data-col': String(i), title: `Sort by ${c.name}` },
            el('span', { class: 'col-name' }, c.name),
            el('span', { class: 'col-type' }, typeLabel(c.type)),
            el('span', { class: 'col-sort-mark', 'aria-hidden': 'true' }),
          );
          sortButton.addEventListener('click', (e) => this.toggleSort(i, e.shiftKey));
          const summary = el(
            'button',
            { class: 'col-summary', title: `Summary of ${c.name}`, 'aria-label': `Summary of ${c.name}` },
            'Σ',
          );
          summary.addEventListener('click', () => this.host.showSummary(i));
          const cell = el(
            'div',
            { class: 'hcell', role: 'columnheader', 'aria-colindex': String(i + 1), title: `${c.name}: ${c.type}` },
            sortButton,
            summary,
          );
          cell.style.width = `${this.widths[i]}px`;
          return cell;
        }),
      );
      this.filterRow.replaceChildren(
        ...this.columns.map((c, i) => {
          const input = el('input', {
            class: 'col-filter',
            type: 'text',
            placeholder: 'filter',
            'aria-label': `Filter ${c.name}: text contains; =, !=, <, > compare; null, !null`,
            spellcheck: 'false',
          });
          input.addEventListener('keydown', (e) => {
            if (e.key === 'Enter') this.applyFilters();
            if (e.key === 'Escape') {
              input.value = '';
              this.applyFilters();
            }
          });
          input.addEventListener('change', () => this.applyFilters());
          const cell = el('div', { class: 'hcell', role: 'gridcell', 'aria-colindex': String(i + 1) }, input);
          cell.style.width = `${this.widths[i]}px`;
          return cell;
        }),
      );
    }
    const inputs = this.filterRow.querySelectorAll('input');
    this.columns.forEach((_, i) => {
      const f = this.filters.find((x) => x.column === i);
      const input = inputs[i];
      if (input && document.activeElement !== input) input.value = f ? filterText(f) : '';
      const s = this.sort.findIndex((k) => k.column === i);
      const hcell = this.header.children[i] as HTMLElement | undefined;
      if (!hcell) return;
      const key = this.sort[s];
      hcell.setAttribute('aria-sort', key ? (key.direction === 'asc' ? 'ascending' : 'descending') : 'none');
      const mark = hcell.querySelector('.col-sort-mark');
      if (mark)
        mark.textContent = key ? `${key.direction === 'asc' ? '▲' : '▼'}${this.sort.length > 1 ? s + 1 : ''}` : '';
    });
  }

  private toggleSort(column: number, add: boolean): void {
    const current = this.sort.find((k) => k.column === column);
    const next: SortKey | undefined = !current
      ? { column, direction: 'asc' }
      : current.direction === 'asc'
        ? { column, direction: 'desc' }
        : undefined;
    const others = add ? this.sort.filter((k) => k.column !== column) : [];
    this.host.sortChanged(next ? [...others, next] : others);
  }

  private applyFilters(): void {
    const inputs = [...this.filterRow.querySelectorAll('input')];
    const filters = inputs.flatMap((input, column) => {
      const f = parseFilter(column, input.value);
      return f ? [f] : [];
    });
    if (JSON.stringify(filters) !== JSON.stringify(this.filters)) this.host.filtersChanged(filters);
  }

  private render(): void {
    const first = this.firstVisible();
    const count = Math.min(this.viewportRows() + 1, Math.max(0, this.total - first));
    this.ensureRows(first, first + count + Math.floor(this.pageSize / 2));
    // Keep the drawn rows under the header at the current scroll position.
    this.body.style.top = `${this.headHeight()}px`;
    this.body.style.transform = `translateY(${this.scroller.scrollTop}px)`;
    const { rows: selRows, cols: selCols } = this.selection();
    const rowsOut: HTMLElement[] = [];
    for (let r = first; r < first + count; r++) {
      const data = this.row(r);
      const rowEl = el('div', {
        class: 'grow',
        role: 'row',
        'aria-rowindex': String(r + 3),
        'data-row': String(r),
      });
      for (let c = 0; c < this.columns.length; c++) {
        const col = this.columns[c]!;
        const selected = r >= selRows[0] && r <= selRows[1] && c >= selCols[0] && c <= selCols[1];
        const isActive = r === this.active.row && c === this.active.col;
        const cellEl = el('div', {
          role: 'gridcell',
          id: isActive ? 'active-cell' : undefined,
          'aria-colindex': String(c + 1),
          'aria-selected': selected ? 'true' : undefined,
          'data-col': String(c),
        });
        let cls = 'gcell';
        if (data) {
          const view = cellView(data[c] ?? null, col.display);
          cellEl.textContent = view.text;
          if (view.kind === 'null') {
            cls += ' null';
            cellEl.dataset.null = 'true';
          } else if (view.kind === 'empty') cls += ' empty';
          if (view.align === 'end') cls += ' num';
          if (view.expandable) cls += ' json';
        } else {
          cls += ' loading';
          cellEl.setAttribute('aria-busy', 'true');
        }
        if (selected) cls += ' selected';
        if (isActive) cls += ' active';
        cellEl.className = cls;
        cellEl.style.width = `${this.widths[c]}px`;
        rowEl.append(cellEl);
      }
      rowsOut.push(rowEl);
    }
    this.body.replaceChildren(...rowsOut);
    if (this.total > 0 && this.scroller.contains(document.getElementById('active-cell')))
      this.scroller.setAttribute('aria-activedescendant', 'active-cell');
    else this.scroller.removeAttribute('aria-activedescendant');
    this.renderHeader(false);
  }

  private clampActive(): void {
    const maxRow = Math.max(0, this.total - 1);
    const maxCol = Math.max(0, this.columns.length - 1);
    this.active = { row: Math.min(this.active.row, maxRow), col: Math.min(this.active.col, maxCol) };
    this.anchor = { row: Math.min(this.anchor.row, maxRow), col: Math.min(this.anchor.col, maxCol) };
  }

  moveTo(pos: Position, extend: boolean): void {
    this.active = pos;
    if (!extend) this.anchor = pos;
    this.clampActive();
    this.scrollToRow(this.active.row);
    this.scrollToColumn(this.active.col);
    this.schedule();
    this.host.activeChanged();
  }

  private scrollToColumn(col: number): void {
    const left = this.widths.slice(0, col).reduce((a, b) => a + b, 0);
    const right = left + (this.widths[col] ?? 0);
    if (left < this.scroller.scrollLeft) this.scroller.scrollLeft = left;
    else if (right > this.scroller.scrollLeft + this.scroller.clientWidth)
      this.scroller.scrollLeft = right - this.scroller.clientWidth;
  }

  private onKey(e: KeyboardEvent): void {
    if (e.target !== this.scroller) return;
    const { row, col } = this.active;
    const page = this.viewportRows();
    const ctrl = e.ctrlKey || e.metaKey;
    const lastRow = Math.max(0, this.total - 1);
    const lastCol = Math.max(0, this.columns.length - 1);
    let next: Position | undefined;
    switch (e.key) {
      case 'ArrowDown':
        next = { row: ctrl ? lastRow : row + 1, col };
        break;
      case 'ArrowUp':
        next = { row: ctrl ? 0 : Math.max(0, row - 1), col };
        break;
      case 'ArrowRight':
        next = { row, col: ctrl ? lastCol : Math.min(lastCol, col + 1) };
        break;
      case 'ArrowLeft':
        next = { row, col: ctrl ? 0 : Math.max(0, col - 1) };
        break;
      case 'PageDown':
        next = { row: Math.min(lastRow, row + page), col };
        break;
      case 'PageUp':
        next = { row: Math.max(0, row - page), col };
        break;
      case 'Home':
        next = ctrl ? { row: 0, col: 0 } : { row, col: 0 };
        break;
      case 'End':
        next = ctrl ? { row: lastRow, col: lastCol } : { row, col: lastCol };
        break;
      case 'a':
        if (ctrl) {
          e.preventDefault();
          this.anchor = { row: 0, col: 0 };
          this.active = { row: lastRow, col: lastCol };
          this.schedule();
          this.host.activeChanged();
        }
        return;
      case 'c':
        if (ctrl) {
          e.preventDefault();
          this.host.copySelection();
        }
        return;
      default:
        return;
    }
    e.preventDefault();
    this.moveTo(next, e.shiftKey);
  }

  private onMouse(e: MouseEvent): void {
    const cell = (e.target as HTMLElement).closest<HTMLElement>('.gcell');
    const rowEl = cell?.parentElement;
    if (!cell || !rowEl) return;
    e.preventDefault();
    this.scroller.focus();
    this.moveTo({ row: Number(rowEl.dataset.row), col: Number(cell.dataset.col) }, e.shiftKey);
  }
}

function widthFor(c: ColumnInfo): number {
  if (c.type === 'DATE') return Math.max(110, Math.min(320, c.name.length * 8 + 48));
  const byType = { number: 120, boolean: 70, temporal: 200, json: 220, blob: 160, text: 180, other: 150 }[c.display];
  return Math.max(byType, Math.min(320, c.name.length * 8 + 48));
}
