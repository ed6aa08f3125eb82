/** Wall-clock milliseconds with sub-millisecond resolution, comparable across the bench's processes. */
export const now = () => performance.timeOrigin + performance.now();

/** A number for a report line: thousands separated, `digits` decimals. */
export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The `p`th percentile of ascending `sorted` (nearest rank); NaN when empty. */
export const pct = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
