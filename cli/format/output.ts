import { renderTable, type TableRows } from './table.js';
import { toTsv } from './tsv.js';
import { sortKeys } from './sort-keys.js';

export const OUTPUT_FORMATS = ['json', 'table', 'tsv', 'none'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** What a command prints: the JSON result, and how to show it as a table. */
export interface CommandResult {
  readonly json: unknown;
  readonly columns: readonly string[];
  readonly rows: TableRows;
}

/** Renders a result in the chosen format; `none` prints nothing, as az's `-o none`. */
export function renderOutput(result: CommandResult, format: OutputFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(sortKeys(result.json), null, 2)}\n`;
    case 'table':
      return renderTable(result.columns, result.rows);
    case 'tsv':
      return toTsv(result.json);
    case 'none':
      return '';
  }
}
