import Table from 'cli-table3';

/** A table's rows as az's table transformers build them: ordered columns of strings. */
export type TableRows = readonly Readonly<Record<string, string>>[];

const NO_BORDERS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
};

/**
 * az's `-o table` look (tabulate's "simple" format): upper-case headers, a dashed rule under each, columns
 * two spaces apart, no borders. `columns` fixes the order; an empty list prints nothing, as az does.
 */
export function renderTable(columns: readonly string[], rows: TableRows): string {
  if (rows.length === 0) return '';
  const cells = rows.map((r) => columns.map((c) => r[c] ?? ''));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]?.length ?? 0)));
  const table = new Table({
    chars: NO_BORDERS,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  table.push(
    [...columns],
    widths.map((w) => '-'.repeat(w)),
    ...cells,
  );
  return `${table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')}\n`;
}
