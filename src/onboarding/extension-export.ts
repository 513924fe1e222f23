import { Readable } from "node:stream";
import { asc, eq } from "drizzle-orm";
import { stringify } from "csv-stringify";
import type { Query } from "../db/data.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { defaultSettings } from "../services/extension-settings/store.ts";
import { loadTenant } from "../services/tenants.ts";
import { guardCell } from "./csv-guard.ts";
import { EXPORTED_EXTENSION_COLUMNS, GROUP_SEPARATOR, type ExtensionColumn } from "./extension-columns.ts";

/**
 * A tenant's extensions in the import's format, so they round-trip: importing the export changes
 * nothing. No PIN and no password (the export is for any role); the email is written only while
 * notification is on, since the column means "notify this address". Three queries for the whole
 * tenant: its extensions, their settings rows (an extension without one has the defaults) and
 * their groups.
 */
async function exportExtensionRows(q: Query, tenantName: string): Promise<string[][]> {
  const tenant = await loadTenant(q, tenantName);
  const { extensions: e, extensionSettings: s, extensionGroups: g, extensionGroupMembers: m } = q.t;
  const rows = await q.db.select().from(e).where(eq(e.tenantId, tenant.id)).orderBy(asc(e.number));
  const settings = new Map(
    (await q.db.select({ id: s.extensionId, profile: s.profile, voicemail: s.voicemail, numberSettings: s.numberSettings }).from(s).where(eq(s.tenantId, tenant.id))).map((r) => [r.id, r]),
  );
  const groups = new Map<number, string[]>();
  for (const r of await q.db.select({ id: m.extensionId, name: g.name }).from(m).innerJoin(g, eq(g.id, m.groupId)).where(eq(g.tenantId, tenant.id)).orderBy(asc(g.name))) {
    const names = groups.get(r.id);
    if (names) names.push(r.name);
    else groups.set(r.id, [r.name]);
  }
  return rows.map((x) => {
    const st = settings.get(x.id) ?? defaultSettings(x.number);
    const vmOn = st.voicemail.unansweredCalls === "voicemail";
    const cells: Record<Exclude<ExtensionColumn, "voicemail_pin">, string> = {
      number: x.number,
      display_name: x.displayName,
      sip_user: x.sipUser,
      auth_user: x.authUser,
      username: st.profile.username,
      role: st.profile.role,
      voicemail: vmOn ? "yes" : "no",
      voicemail_email: vmOn && st.voicemail.emailNotification && st.voicemail.email ? st.voicemail.email : "",
      presence: st.numberSettings.presence ? "yes" : "no",
      groups: (groups.get(x.id) ?? []).join(GROUP_SEPARATOR),
    };
    return EXPORTED_EXTENSION_COLUMNS.map((c) => cells[c as keyof typeof cells]);
  });
}

/**
 * The CSV text as a stream, header first; cells a spreadsheet would run as formulas are guarded, as
 * in the device export (csv-guard.ts). A tenant of thousands of extensions is a few hundred KB, read
 * whole before the stream starts (an unknown tenant is a 404, not a broken stream).
 */
export async function exportExtensionsCsv(deps: ServiceDeps, tenantName: string): Promise<Readable> {
  const rows = await deps.data.read((q) => exportExtensionRows(q, tenantName));
  return Readable.from(rows).pipe(stringify({ header: true, columns: [...EXPORTED_EXTENSION_COLUMNS], cast: { string: guardCell } }));
}
