/**
 * A whole number with en-US digit grouping (122880 → "122,880"), as `toLocaleString('en-US')` writes it
 * for integers. Findings messages are written in every publish that has one; the first `toLocaleString`
 * of a process initialises ICU's number formatting, ~10 ms of CPU, a few per cent of a small publish.
 */
export function formatCount(value: number): string {
  const n = Math.round(value);
  if (!Number.isFinite(n)) return String(n);
  const digits = String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 ? `-${digits}` : digits;
}
