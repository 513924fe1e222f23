/** The onboarding CSV format (docs/onboarding.md): columns, records, problems. */

export const COLUMNS = ["mac", "vendor", "model", "tenant", "lines", "label", "key_layout"] as const;
export type Column = (typeof COLUMNS)[number];

/** `vendor`, `label` and `key_layout` may be left out of the header or left empty. */
export const REQUIRED_COLUMNS: readonly Column[] = ["mac", "model", "tenant", "lines"];

/** Separator of extension numbers in the `lines` column: `101;102`. */
export const LINE_SEPARATOR = ";";

/** One device as the file (or a claim) gives it: raw text, nothing checked yet. */
export interface DeviceRecord {
  /** Line number in the file (header = 1), or claim number. */
  readonly row: number;
  /** Set for CSV rows: fields on the line vs columns in the header. */
  readonly fieldCount?: { readonly got: number; readonly expected: number };
  readonly mac: string;
  readonly vendor: string;
  readonly model: string;
  readonly tenant: string;
  readonly lines: string;
  readonly label: string;
  readonly keyLayout: string;
}

export interface Problem<C extends string = Column> {
  readonly row: number;
  /** Null when the problem is the row as a whole (wrong number of fields). */
  readonly column: C | null;
  readonly reason: string;
}

export function formatProblem(p: Problem<string>): string {
  return `row ${p.row}${p.column ? `, column ${p.column}` : ""}: ${p.reason}`;
}
