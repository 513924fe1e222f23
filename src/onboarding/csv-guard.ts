/**
 * CSV injection guard (OWASP "CSV Injection": https://owasp.org/www-community/attacks/CSV_Injection).
 * A spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, tab or CR as a formula, so a label
 * such as `=HYPERLINK(...)` set by a technician would run on the operator's machine when the export
 * is opened. The export prefixes such a cell with `'` (shown as text, not stored, by spreadsheets);
 * the import strips that one `'` again, so export -> import gives back the value unchanged.
 *
 * A value that already starts with `'` followed by a trigger (`'=x`) is prefixed too (`''=x`), so
 * stripping one quote on import is exact for every value.
 */
const GUARDED = /^'*[=+\-@\t\r]/;

/** The cell as the export writes it. */
export function guardCell(value: string): string {
  return GUARDED.test(value) ? `'${value}` : value;
}

/** The cell as the import reads it: one guard quote in front of a trigger removed. */
export function unguardCell(value: string): string {
  return value.startsWith("'") && GUARDED.test(value.slice(1)) ? value.slice(1) : value;
}
