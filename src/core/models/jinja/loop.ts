import { pyEq } from './py-values';

/**
 * Jinja's `loop` object: index/index0/revindex/revindex0/first/last/length,
 * previtem/nextitem, cycle() and changed(). One per loop; the compiled loop
 * moves `index0`.
 */
export class PyLoop {
  index0 = 0;
  readonly depth = 1;
  readonly depth0 = 0;
  private lastChanged: unknown[] | undefined;

  constructor(private readonly items: unknown[]) {}

  get length(): number {
    return this.items.length;
  }
  get index(): number {
    return this.index0 + 1;
  }
  get revindex(): number {
    return this.items.length - this.index0;
  }
  get revindex0(): number {
    return this.items.length - this.index0 - 1;
  }
  get first(): boolean {
    return this.index0 === 0;
  }
  get last(): boolean {
    return this.index0 === this.items.length - 1;
  }
  get previtem(): unknown {
    return this.index0 > 0 ? this.items[this.index0 - 1] : undefined;
  }
  get nextitem(): unknown {
    return this.index0 + 1 < this.items.length ? this.items[this.index0 + 1] : undefined;
  }

  cycle(...values: unknown[]): unknown {
    if (values.length === 0) throw new TypeError('no items for cycling given');
    return values[this.index0 % values.length];
  }

  changed(...values: unknown[]): boolean {
    if (
      this.lastChanged !== undefined &&
      values.length === this.lastChanged.length &&
      values.every((v, i) => pyEq(v, this.lastChanged![i]))
    ) {
      return false;
    }
    this.lastChanged = values;
    return true;
  }
}
