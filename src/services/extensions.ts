import { and, eq, or } from "drizzle-orm";
import { writeTransaction } from "../db/client.ts";
import { deviceKeys, deviceLines, devices, extensions, keyLayoutKeys, keyLayouts } from "../db/schema.ts";
import { checkNumber } from "../domain/numbering-plan.ts";
import { usernameOwner } from "./extension-settings/sections.ts";
import { defaultSettings, saveSettings } from "./extension-settings/store.ts";
import { requireAllowedNumber, tenantPlan } from "./numbering.ts";
import { conflict, notFound } from "../errors.ts";
import { randomPassword } from "../secrets.ts";
import { auditChange } from "./actor.ts";
import { recordExtensionChange } from "../pbx/changes.ts";
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
    requireAllowedNumber(tx, tenant.id, input.number);
    const taken = usernameOwner(tx, tenant.id, input.number, -1);
    if (taken) throw conflict(`number: ${input.number} is already the username of extension ${taken}; give one of them another username first`);
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
    auditChange(tx, deps, { action: "extension.create", ...extensionAuditTarget(tenantName, row), after: row });
    saveSettings(tx, row, defaultSettings(row.number));
    recordExtensionChange(tx, deps, "extension.created", row);
    return row;
  });
}

/** Audit fields of a change to an extension: target `extension:<tenant>/<number>`, tenant, number. */
export const extensionAuditTarget = (tenantName: string, e: Pick<ExtensionRow, "tenantId" | "number">) => ({
  target: `extension:${tenantName}/${e.number}`,
  tenantId: e.tenantId,
  extension: e.number,
});

/** Numbering-plan warnings for a number (a number in no recommended range). */
export function numberWarnings(deps: ServiceDeps, tenantName: string, number: string): string[] {
  return checkNumber(tenantPlan(deps.db, getTenant(deps, tenantName).id), number).warnings;
}

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
    auditChange(tx, deps, { action: "extension.update", ...extensionAuditTarget(tenantName, row), before: row, after });
    recordExtensionChange(tx, deps, "extension.changed", after);
    return after;
  });
}

/** A new random SIP password; phones get it at their next fetch. */
export function resetExtensionPassword(deps: ServiceDeps, tenantName: string, number: string): ExtensionRow {
  return writeTransaction(deps.db, (tx) => {
    const row = getExtension({ ...deps, db: tx }, tenantName, number);
    auditChange(tx, deps, { action: "extension.reset_password", ...extensionAuditTarget(tenantName, row), detail: "new random SIP password" });
    const after = tx
      .update(extensions)
      .set({ sipPasswordEnc: deps.secrets.seal(randomPassword()), updatedAt: deps.clock().getTime() })
      .where(eq(extensions.id, row.id))
      .returning()
      .get();
    recordExtensionChange(tx, deps, "extension.credentials_rotated", after);
    return after;
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

/**
 * Deletes an extension. Refused while phones carry or watch it, unless `detach`: then its lines
 * and BLF keys are removed from those phones (their files lose the line at the next fetch) and
 * key-layout keys watching it are removed too.
 */
export function deleteExtension(deps: ServiceDeps, tenantName: string, number: string, options: { detach?: boolean } = {}): void {
  writeTransaction(deps.db, (tx) => {
    const row = getExtension({ ...deps, db: tx }, tenantName, number);
    const users = devicesUsingExtension({ ...deps, db: tx }, row.id);
    if (users.length && !options.detach) {
      throw conflict(`extension ${number} is on device(s) ${users.join(", ")}; remove it from their lines and keys first, or delete with detach=1`);
    }
    const layouts = tx
      .selectDistinct({ name: keyLayouts.name })
      .from(keyLayoutKeys)
      .innerJoin(keyLayouts, eq(keyLayouts.id, keyLayoutKeys.layoutId))
      .where(eq(keyLayoutKeys.targetExtensionId, row.id))
      .all();
    if (layouts.length && !options.detach) {
      throw conflict(`extension ${number} is watched by key layout(s) ${layouts.map((l) => l.name).join(", ")}; remove those keys first, or delete with detach=1`);
    }
    tx.delete(deviceLines).where(eq(deviceLines.extensionId, row.id)).run();
    tx.delete(deviceKeys).where(eq(deviceKeys.targetExtensionId, row.id)).run();
    tx.delete(keyLayoutKeys).where(eq(keyLayoutKeys.targetExtensionId, row.id)).run();
    tx.delete(extensions).where(eq(extensions.id, row.id)).run();
    const from = [users.length ? `devices ${users.join(", ")}` : "", layouts.length ? `key layouts ${layouts.map((l) => `"${l.name}"`).join(", ")}` : ""].filter(Boolean);
    const detail = from.length ? `detached from ${from.join(" and ")}` : null;
    auditChange(tx, deps, { action: "extension.delete", ...extensionAuditTarget(tenantName, row), before: row, detail });
    recordExtensionChange(tx, deps, "extension.deleted", row);
  });
}
