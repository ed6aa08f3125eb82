import type { Attributes, Meter, MetricOptions } from '@opentelemetry/api';

/** One series of a cell counter: add to `value` directly. */
interface CounterCell {
  value: number;
}

interface Cell extends CounterCell {
  readonly attributes: Attributes;
  /** The value the last collection was given. */
  observed: number;
}

export interface CellCounter {
  /** The series of these attributes (the same cell for the same attributes); look it up once and keep it. */
  cell(attributes: Attributes): CounterCell;
}

/** One cell counter per meter and name: roots sharing the process-wide meter (Application Insights) add up, as a sync counter's adds do. */
const counters = new WeakMap<Meter, Map<string, CellCounter>>();

/**
 * A counter whose series are cells of our own, exported through an observable counter. A sync counter's
 * `add` hashes its attributes on every call (sort and JSON.stringify in the SDK: issue 24's profile showed
 * it per delivery attempt); a cell is looked up once and then only added to, and the SDK hashes at collection.
 * A collection is given only the cells that changed since the last one (any reader's: the SDK hands every
 * observation to each reader's storage), so a delta reader (Application Insights) sees a series only in an
 * interval it moved in, as with a sync counter, and a cumulative one (Prometheus) keeps the others' totals.
 */
export function makeCellCounter(meter: Meter, name: string, options: MetricOptions): CellCounter {
  let byName = counters.get(meter);
  if (!byName) counters.set(meter, (byName = new Map<string, CellCounter>()));
  const existing = byName.get(name);
  if (existing) return existing;
  const cells = new Map<string, Cell>();
  meter.createObservableCounter(name, options).addCallback((result) => {
    for (const cell of cells.values()) {
      if (cell.value === cell.observed) continue;
      cell.observed = cell.value;
      result.observe(cell.value, cell.attributes);
    }
  });
  const counter: CellCounter = {
    cell(attributes) {
      const key = JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : 1)));
      let cell = cells.get(key);
      if (!cell) cells.set(key, (cell = { attributes: Object.freeze({ ...attributes }), value: 0, observed: 0 }));
      return cell;
    },
  };
  byName.set(name, counter);
  return counter;
}
