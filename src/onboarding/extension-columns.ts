import { EXTENSION_NUMBER } from "../domain/validation.ts";
import type { CsvFormat } from "./csv-source.ts";

/**
 * The extensions CSV (docs/onboarding.md#extensions-by-csv): one extension per row, for one tenant.
 * The columns are fields the admin API already has: the extension itself (`ExtensionInput`), its
 * profile, voicemail, presence (number settings) and groups. An empty cell, or a column left out,
 * keeps what the extension has (a new one gets the API's default); `-` clears a list or an address.
 */
export const EXTENSION_COLUMNS = [
  "number",
  "display_name",
  "sip_user",
  "auth_user",
  "username",
  "role",
  "voicemail",
  "voicemail_pin",
  "voicemail_email",
  "presence",
  "groups",
] as const;
export type ExtensionColumn = (typeof EXTENSION_COLUMNS)[number];

export const EXTENSION_CSV: CsvFormat<ExtensionColumn> = {
  columns: EXTENSION_COLUMNS,
  required: ["number", "display_name"],
  rowKind: "extension",
  article: "an",
  looksLikeRow: (cell) => EXTENSION_NUMBER.test(cell.trim()),
};

/** Exported columns: every column but the PIN (a secret; the export is for any role). */
export const EXPORTED_EXTENSION_COLUMNS: readonly ExtensionColumn[] = EXTENSION_COLUMNS.filter((c) => c !== "voicemail_pin");

/** Separator of group names in the `groups` column: `sales;support`. */
export const GROUP_SEPARATOR = ";";
/** A cell that clears the value (groups, voicemail_email). */
export const CLEAR = "-";

/** yes/no cells (`voicemail`, `presence`): yes, no, on, off, true, false, 1, 0. */
export function parseYesNo(cell: string): boolean | null {
  const v = cell.trim().toLowerCase();
  if (["yes", "on", "true", "1"].includes(v)) return true;
  if (["no", "off", "false", "0"].includes(v)) return false;
  return null;
}

/**
 * Which column a service's message is about (`username: ... already used` -> username), so a
 * refusal found while writing is reported like a problem found while checking.
 */
const FIELD_COLUMNS: Record<string, ExtensionColumn> = {
  number: "number",
  displayName: "display_name",
  sipUser: "sip_user",
  authUser: "auth_user",
  username: "username",
  role: "role",
  presence: "presence",
  unansweredCalls: "voicemail",
  pin: "voicemail_pin",
  email: "voicemail_email",
  emailNotification: "voicemail_email",
  groups: "groups",
};

export function columnOfMessage(message: string): { column: ExtensionColumn | null; reason: string } {
  const m = /^([A-Za-z]+)(\[\d+\])?(\.[A-Za-z]+)*: (.*)$/s.exec(message);
  const column = m ? (FIELD_COLUMNS[m[1]!] ?? null) : null;
  return column ? { column, reason: m![4]! } : { column: null, reason: message };
}
