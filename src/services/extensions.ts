import { and, eq, or } from "drizzle-orm";
import { writeTransaction } from "../db/client.ts";
import { deviceKeys, deviceLines, devices, extensions } from "../db/schema.ts";
import { conflict, notFound } from "../errors.ts";
import { randomPassword } from "../secrets.ts";
import { auditChange } from "./actor.ts";
import type { ServiceDeps } from "./deps.ts";
import type { ExtensionInput, ExtensionPatch } from "./schemas.ts";
import { getTenant, stripUndefined } from "./tenants.ts";

export type ExtensionRow = typeof extensions.$inferSelect;

export function createExtension(deps: ServiceDeps, tenantName: string, input: ExtensionInput): ExtensionRow {
  const now = deps.clock().getTime();
  return writeTransaction(deps.db, (tx) => {
    const tenant = getTenant({ ...deps, db: tx }, tenantName);
    const clash = tx
      .select({ id: extensions.id })
      .from(extensions)
      .where(and(eq(extensions.tenantId, tenant.id), eq(extensions.number, input.number)))
      .get();
    if (clash) throw conflict(`extension ${input.number} already exists in tenant ${tenantName}`);
    const row = tx
      .insert(extensions)
      .values({
        tenantId: tenant.id,
        number: input.number,
        displayName: input.displayName,
        sipUser: input.sipUser ?? input.number,
        authUser: input.authUser ?? input.sipUser ?? input.number,
        sipPasswordEnc: deps.secrets.seal(randomPassword()),
        voicemailNumber: input.voicemailNumber,
        createdAt: now,
        updatedAt: now,
      })
      .returning()
      .get();
    auditChange(tx, deps, { action: "extension.create", ...extTarget(tenantName, row), after: row });
    return row;
  });
}

const extTarget = (tenantName: string, e: ExtensionRow) => ({
  target: `extension:${tenantName}/${e.number}`,
  tenantId: e.tenantId,
  extension: e.number,
});

export function listExtensions(deps: ServiceDeps, tenantName: string): ExtensionRow[] {
  const tenant = getTenant(deps, tenantName);
  return deps.db.select().from(extensions).where(eq(extensions.tenantId, tenant.id)).orderBy(extensions.number).all();
}

export function getExtension(deps: ServiceDeps, tenantName: string, number: string): ExtensionRow {
  const tenant = getTenant(deps, tenantName);
  const row = deps.db
    .select()
    .from(extensions)
    .where(and(eq(extensions.tenantId, tenant.id), eq(extensions.number, number)))
    .get();
  if (!row) throw notFound(`no extension ${number} in tenant ${tenantName}`);
  return row;
}

export function updateExtension(deps: ServiceDeps, tenantName: string, number: string, patch: ExtensionPatch): ExtensionRow {
  return writeTransaction(deps.db, (tx) => {
    const row = getExtension({ ...deps, db: tx }, tenantName, number);
    const after = tx
      .update(extensions)
      .set({ ...stripUndefined(patch), updatedAt: deps.clock().getTime() })
      .where(eq(extensions.id, row.id))
      .returning()
      .get();
    auditChange(tx, deps, { action: "extension.update", ...extTarget(tenantName, row), before: row, after });
    return after;
  });
}

/** A new random SIP password; phones get it at their next fetch. */
export function resetExtensionPassword(deps: ServiceDeps, tenantName: string, number: string): ExtensionRow {
  return writeTransaction(deps.db, (tx) => {
    const row = getExtension({ ...deps, db: tx }, tenantName, number);
    auditChange(tx, deps, { action: "extension.reset_password", ...extTarget(tenantName, row), detail: "new random SIP password" });
    return tx
      .update(extensions)
      .set({ sipPasswordEnc: deps.secrets.seal(randomPassword()), updatedAt: deps.clock().getTime() })
      .where(eq(extensions.id, row.id))
      .returning()
      .get();
  });
}

/** Devices whose lines carry the extension or whose keys watch it. */
export function devicesUsingExtension(deps: ServiceDeps, extensionId: number): string[] {
  const onLines = deps.db
    .selectDistinct({ mac: devices.mac })
    .from(deviceLines)
    .innerJoin(devices, eq(devices.id, deviceLines.deviceId))
    .where(eq(deviceLines.extensionId, extensionId))
    .all();
  const onKeys = deps.db
    .selectDistinct({ mac: devices.mac })
    .from(deviceKeys)
    .innerJoin(devices, eq(devices.id, deviceKeys.deviceId))
    .where(or(eq(deviceKeys.targetExtensionId, extensionId)))
    .all();
  return [...new Set([...onLines, ...onKeys].map((r) => r.mac))].sort();
}

export function deleteExtension(deps: ServiceDeps, tenantName: string, number: string): void {
  writeTransaction(deps.db, (tx) => {
    const row = getExtension({ ...deps, db: tx }, tenantName, number);
    const users = devicesUsingExtension({ ...deps, db: tx }, row.id);
    if (users.length) throw conflict(`extension ${number} is on device(s) ${users.join(", ")}; remove it from their lines and keys first`);
    tx.delete(extensions).where(eq(extensions.id, row.id)).run();
    auditChange(tx, deps, { action: "extension.delete", ...extTarget(tenantName, row), before: row });
  });
}
