/** One series of a Prometheus histogram (its labels other than `le`) and the quantile estimated from its buckets. */
export interface SeriesQuantile {
  readonly labels: Readonly<Record<string, string>>;
  /** Observations in the series (the `+Inf` bucket). */
  readonly count: number;
  /** Seconds (the metric's unit); the highest finite bound when the quantile falls in the `+Inf` bucket. */
  readonly value: number;
}

const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/**
 * The `q` quantile of each series of histogram `name` in Prometheus text (`<name>_bucket{…,le="…"} n`),
 * by linear interpolation inside the bucket the rank falls in, as PromQL's `histogram_quantile` does.
 * Empty when the text has no such histogram.
 */
export function histogramQuantiles(text: string, name: string, q: number): SeriesQuantile[] {
  const series = new Map<string, { labels: Record<string, string>; buckets: [number, number][] }>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}_bucket{`)) continue;
    const close = line.lastIndexOf('}');
    const labels: Record<string, string> = {};
    for (const [, key, value] of line.slice(name.length + 8, close).matchAll(LABEL)) labels[key!] = value!;
    const le = labels['le'];
    if (le === undefined) continue;
    delete labels['le'];
    const key = JSON.stringify(Object.entries(labels).sort());
    const entry = series.get(key) ?? { labels, buckets: [] };
    entry.buckets.push([
      le === '+Inf' ? Infinity : Number(le),
      Number(
        line
          .slice(close + 1)
          .trim()
          .split(/\s+/)[0],
      ),
    ]);
    series.set(key, entry);
  }
  return [...series.values()].map(({ labels, buckets }) => {
    buckets.sort((a, b) => a[0] - b[0]);
    const count = buckets.at(-1)?.[1] ?? 0;
    return { labels, count, value: quantile(buckets, q * count) };
  });
}

function quantile(buckets: readonly [number, number][], rank: number): number {
  let lower = 0;
  let below = 0;
  for (const [bound, cumulative] of buckets) {
    if (cumulative >= rank && cumulative > 0) {
      if (bound === Infinity) return lower;
      return lower + (bound - lower) * ((rank - below) / Math.max(1, cumulative - below));
    }
    lower = bound;
    below = cumulative;
  }
  return NaN;
}
