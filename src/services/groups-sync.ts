import { and, eq } from "drizzle-orm";
import { writeTransaction, type Db } from "../db/client.ts";
import type { GroupRow } from "../db/rows.ts";
import { extensionGroupMembers, extensionGroups } from "../db/schema.ts";
import type { ServiceDeps } from "./deps.ts";
import { auditChange } from "./actor.ts";
import { getExtension } from "./extensions.ts";
import { extensionGroupsEvent, noGroupForInput } from "./groups.ts";
import { devicesUsingGroupSync } from "./key-expansion-sync.ts";
import { extensionGroupNamesSync } from "./extension-usage-sync.ts";
import { assertKeysFitSync } from "./key-checks-sync.ts";

/**
 * setExtensionGroups of src/services/groups.ts (the extension's groups replaced whole) for the CSV
 * import's groups column, which writes inside its synchronous transaction (src/onboarding/), until it
 * moves (docs/scale-out.md#status). The messages and the audit event are groups.ts's.
 */
export function setExtensionGroupsSync(deps: ServiceDeps, tenant: string, number: string, names: readonly string[]): string[] {
  return writeTransaction(deps.db, (tx) => {
    const ext = getExtension({ ...deps, db: tx }, tenant, number);
    const groups = [...new Set(names)].map((n, i) => requireGroupForInput(tx, ext.tenantId, n, `groups[${i}]`));
    const beforeNames = extensionGroupNamesSync(tx, ext.id);
    const before = tx.select().from(extensionGroupMembers).where(eq(extensionGroupMembers.extensionId, ext.id)).all().map((m) => m.groupId);
    tx.delete(extensionGroupMembers).where(eq(extensionGroupMembers.extensionId, ext.id)).run();
    if (groups.length) tx.insert(extensionGroupMembers).values(groups.map((g) => ({ groupId: g.id, extensionId: ext.id }))).run();
    const touched = new Set([...before, ...groups.map((g) => g.id)]);
    for (const gid of touched) assertKeysFitSync(tx, devicesUsingGroupSync(tx, gid), `groups of extension ${number}`);
    const after = extensionGroupNamesSync(tx, ext.id);
    auditChange(tx, deps, extensionGroupsEvent(tenant, ext, beforeNames, after));
    return after;
  });
}

function requireGroupForInput(db: Db, tenantId: number, name: string, field: string): GroupRow {
  const g = db.select().from(extensionGroups).where(and(eq(extensionGroups.tenantId, tenantId), eq(extensionGroups.name, name))).get();
  if (!g) throw noGroupForInput(name, field);
  return g;
}
