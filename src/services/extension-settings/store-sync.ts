import { eq } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import type { ExtensionRow } from "../../db/rows.ts";
import { extensionSettings } from "../../db/schema.ts";
import { defaultSettings, settingsFromRow, settingsValues, type ExtensionSettings } from "./store.ts";

/**
 * The synchronous forms of store.ts (SQLite only, `deps.db` or a `tx`), for the callers that read or
 * write settings inside their synchronous transactions and are not on the asynchronous handle yet:
 * the request path's credential reader (src/pbx/credentials.ts), the portal's sign-in
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
