import { Readable } from "node:stream";
import { stringify } from "csv-stringify";
import { asc, eq } from "drizzle-orm";
import { extensions } from "../db/schema.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { loadSettingsSync } from "../services/extension-settings/store-sync.ts";
import { extensionGroupNamesSync } from "../services/extension-usage-sync.ts";
import { getTenant } from "../services/tenants.ts";
import { guardCell } from "./csv-guard.ts";
import { EXPORTED_EXTENSION_COLUMNS, GROUP_SEPARATOR, type ExtensionColumn } from "./extension-columns.ts";

/**
 * A tenant's extensions in the import's format, so they round-trip: importing the export changes
 * nothing. No PIN and no password (the export is for any role); the email is written only while
 * notification is on, since the column means "notify this address".
 */
function exportExtensionRows(deps: ServiceDeps, tenantName: string): string[][] {
  const tenant = getTenant(deps, tenantName);
  const rows = deps.db.select().from(extensions).where(eq(extensions.tenantId, tenant.id)).orderBy(asc(extensions.number)).all();
  return rows.map((e) => {
    const s = loadSettingsSync(deps.db, e);
    const vmOn = s.voicemail.unansweredCalls === "voicemail";
    const cells: Record<Exclude<ExtensionColumn, "voicemail_pin">, string> = {
      number: e.number,
      display_name: e.displayName,
      sip_user: e.sipUser,
      auth_user: e.authUser,
      username: s.profile.username,
      role: s.profile.role,
      voicemail: vmOn ? "yes" : "no",
      voicemail_email: vmOn && s.voicemail.emailNotification && s.voicemail.email ? s.voicemail.email : "",
      presence: s.numberSettings.presence ? "yes" : "no",
      groups: extensionGroupNamesSync(deps.db, e.id).join(GROUP_SEPARATOR),
    };
    return EXPORTED_EXTENSION_COLUMNS.map((c) => cells[c as keyof typeof cells]);
  });
}

/**
 * The CSV text as a stream, header first; cells a spreadsheet would run as formulas are guarded, as
 * in the device export (csv-guard.ts). A tenant of thousands of extensions is a few hundred KB.
 */
export function exportExtensionsCsv(deps: ServiceDeps, tenantName: string): Readable {
  return Readable.from(exportExtensionRows(deps, tenantName)).pipe(stringify({ header: true, columns: [...EXPORTED_EXTENSION_COLUMNS], cast: { string: guardCell } }));
}
