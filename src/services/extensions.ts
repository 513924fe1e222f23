import { and, eq } from "drizzle-orm";
import { writeTransaction } from "../db/client.ts";
import { extensions } from "../db/schema.ts";
import { devicesShowingExtension, layoutsWatchingExtension, removeExtensionFromPhones } from "./extension-usage.ts";
import { checkNumber } from "../domain/numbering-plan.ts";
import { defaultSettings, saveSettings, usernameOwner } from "./extension-settings/store.ts";
import { requireAllowedNumber, tenantPlan } from "./numbering-checks.ts";
import { conflict, notFound } from "../errors.ts";
import { randomPassword } from "../secrets.ts";
import { auditChange } from "./actor.ts";
import { recordExtensionChange } from "../pbx/changes.ts";
import type { ServiceDeps } from "./deps.ts";
import type { ExtensionInput, ExtensionPatch } from "./schemas.ts";
import { getTenant, stripUndefined } from "./tenants.ts";
import type { ExtensionRow } from "../db/rows.ts";


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

/** Devices whose lines carry the extension or whose own keys watch it (extension-usage.ts). */
export function devicesUsingExtension(deps: ServiceDeps, extensionId: number): string[] {
  return devicesShowingExtension(deps.db, extensionId)
    .filter((d) => d.line || d.key)
    .map((d) => d.device.mac);
}

/**
 * Deletes an extension. Refused while phones carry or watch it, unless `detach`: then it is taken
 * out of everything that shows it, as a force-unregister in `remove` mode does
 * (`removeExtensionFromPhones`): the phones' lines with their line keys, their BLF keys, key-layout
 * keys and group memberships. The audit entry names what it was detached from, groups included.
 */
export function deleteExtension(deps: ServiceDeps, tenantName: string, number: string, options: { detach?: boolean } = {}): void {
  writeTransaction(deps.db, (tx) => {
    const row = getExtension({ ...deps, db: tx }, tenantName, number);
    const users = devicesUsingExtension({ ...deps, db: tx }, row.id);
    if (users.length && !options.detach) {
      throw conflict(`extension ${number} is on device(s) ${users.join(", ")}; remove it from their lines and keys first, or delete with detach=1`);
    }
    const layouts = layoutsWatchingExtension(tx, row.id);
    if (layouts.length && !options.detach) {
      throw conflict(`extension ${number} is watched by key layout(s) ${layouts.join(", ")}; remove those keys first, or delete with detach=1`);
    }
    const removed = removeExtensionFromPhones(tx, row.id, deps.clock().getTime());
    tx.delete(extensions).where(eq(extensions.id, row.id)).run();
    const from = [
      users.length ? `devices ${users.join(", ")}` : "",
      layouts.length ? `key layouts ${layouts.map((l) => `"${l}"`).join(", ")}` : "",
      removed.groups.length ? `groups ${removed.groups.map((g) => `"${g}"`).join(", ")}` : "",
    ].filter(Boolean);
    const detail = from.length ? `detached from ${from.join(" and ")}` : null;
    auditChange(tx, deps, { action: "extension.delete", ...extensionAuditTarget(tenantName, row), before: row, detail });
    recordExtensionChange(tx, deps, "extension.deleted", row);
  });
}
