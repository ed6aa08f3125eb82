/** Epoch ms with sub-millisecond resolution. */
export const now = () => performance.timeOrigin + performance.now();

/** A figure as the benchmarks print it: thousands separated, `d` decimals. */
export const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** The p-th percentile of an ascending array (nearest rank); NaN when empty. */
export const pct = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
