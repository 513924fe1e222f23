import { and, eq, isNull, ne } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import type { ExtensionRow } from "../../db/rows.ts";
import { extensionSettings, extensions } from "../../db/schema.ts";
import { defaultSettings, settingsFromRow, settingsValues, type ExtensionSettings } from "./store.ts";

/**
 * The synchronous forms of store.ts (SQLite only, `deps.db` or a `tx`), for the callers that read or
 * write settings inside their synchronous transactions and are not on the asynchronous handle yet:
 * the request path's credential reader (src/pbx/credentials.ts), hot-desk, the portal's sign-in
 * accounts, the CSV import and export (src/onboarding/), the import's extension create, until they
 * move (docs/scale-out.md#status). The same queries as store.ts; rows are shaped there.
 */

export function loadSettingsSync(db: Db, ext: Pick<ExtensionRow, "id" | "number">): ExtensionSettings {
  const row = db.select().from(extensionSettings).where(eq(extensionSettings.extensionId, ext.id)).get();
  return row ? settingsFromRow(row) : defaultSettings(ext.number);
}

export function saveSettingsSync(tx: Db, ext: Pick<ExtensionRow, "id" | "tenantId">, s: ExtensionSettings): void {
  const values = settingsValues(ext, s);
  tx.insert(extensionSettings).values(values).onConflictDoUpdate({ target: extensionSettings.extensionId, set: values }).run();
}

export function usernameOwnerSync(db: Db, tenantId: number, username: string, exceptId: number): string | null {
  const row = db
    .select({ number: extensions.number })
    .from(extensionSettings)
    .innerJoin(extensions, eq(extensions.id, extensionSettings.extensionId))
    .where(and(eq(extensionSettings.tenantId, tenantId), eq(extensionSettings.username, username), ne(extensionSettings.extensionId, exceptId)))
    .get();
  if (row) return row.number;
  const bare = db
    .select({ number: extensions.number })
    .from(extensions)
    .leftJoin(extensionSettings, eq(extensionSettings.extensionId, extensions.id))
    .where(and(eq(extensions.tenantId, tenantId), eq(extensions.number, username), ne(extensions.id, exceptId), isNull(extensionSettings.extensionId)))
    .get();
  return bare?.number ?? null;
}
