import { and, eq } from "drizzle-orm";
import { first, type Query } from "../db/data.ts";
import { extensions } from "../db/schema.ts";
import { devicesShowingExtensionIn, layoutsWatchingExtensionIn, removeExtensionFromPhonesIn } from "./extension-usage.ts";
import { checkNumber } from "../domain/numbering-plan.ts";
import { defaultSettings, saveSettingsIn, usernameOwnerIn } from "./extension-settings/store.ts";
import { requireAllowedNumberIn } from "./numbering-checks.ts";
import { readPlan } from "./numbering.ts";
import { conflict, notFound } from "../errors.ts";
import { randomPassword } from "../secrets.ts";
import { auditChangeIn } from "./actor.ts";
import { recordExtensionChangeIn } from "../pbx/changes.ts";
import type { ServiceDeps } from "./deps.ts";
import type { ExtensionInput, ExtensionPatch } from "./schemas.ts";
import { getTenant, loadTenant, stripUndefined } from "./tenants.ts";
import type { ExtensionRow, Tenant } from "../db/rows.ts";

/*
 * Extensions on the asynchronous handle (docs/scale-out.md#data-access-on-two-databases). The CSV
 * import creates and updates inside its own `data.write` (createExtensionIn, updateExtensionIn);
 * getExtension stays synchronous for the request path, force-unregister, hot-desk and the services
 * not yet converted (loadExtension is the asynchronous reader).
 */

const exists = (tenantName: string, number: string) => conflict(`extension ${number} already exists in tenant ${tenantName}`);
const usernameTaken = (number: string, owner: string) =>
  conflict(`number: ${number} is already the username of extension ${owner}; give one of them another username first`);
const noExtension = (tenantName: string, number: string) => notFound(`no extension ${number} in tenant ${tenantName}`);

function newExtensionRow(deps: ServiceDeps, tenant: Tenant, input: ExtensionInput, now: number) {
  return {
    tenantId: tenant.id,
    number: input.number,
    displayName: input.displayName,
    sipUser: input.sipUser ?? input.number,
    authUser: input.authUser ?? input.sipUser ?? input.number,
    sipPasswordEnc: deps.secrets.seal(randomPassword()),
    voicemailNumber: input.voicemailNumber,
    createdAt: now,
    updatedAt: now,
  };
}

const createdEvent = (tenantName: string, row: ExtensionRow) => ({ action: "extension.create", ...extensionAuditTarget(tenantName, row), after: row });
const updatedEvent = (tenantName: string, before: ExtensionRow, after: ExtensionRow) => ({
  action: "extension.update",
  ...extensionAuditTarget(tenantName, before),
  before,
  after,
});

/** createExtension in the caller's `data.write` (the CSV import's). */
export async function createExtensionIn(q: Query, deps: ServiceDeps, tenantName: string, input: ExtensionInput): Promise<ExtensionRow> {
  const now = deps.clock().getTime();
  const tenant = await loadTenant(q, tenantName);
  if (await findExtension(q, tenant.id, input.number)) throw exists(tenantName, input.number);
  await requireAllowedNumberIn(q, tenant.id, input.number);
  const taken = await usernameOwnerIn(q, tenant.id, input.number, -1);
  if (taken) throw usernameTaken(input.number, taken);
  const [row] = await q.db.insert(q.t.extensions).values(newExtensionRow(deps, tenant, input, now)).returning();
  await auditChangeIn(q, deps, createdEvent(tenantName, row!));
  await saveSettingsIn(q, row!, defaultSettings(row!.number));
  await recordExtensionChangeIn(q, deps, "extension.created", row!);
  return row!;
}

// Reads the tenant's numbers and usernames, then inserts: serializable on PostgreSQL (the default),
// so two creates of one number or username cannot both pass the checks (docs/scale-out.md#transactions).
export function createExtension(deps: ServiceDeps, tenantName: string, input: ExtensionInput): Promise<ExtensionRow> {
  return deps.data.write((q) => createExtensionIn(q, deps, tenantName, input));
}

/** Audit fields of a change to an extension: target `extension:<tenant>/<number>`, tenant, number. */
export const extensionAuditTarget = (tenantName: string, e: Pick<ExtensionRow, "tenantId" | "number">) => ({
  target: `extension:${tenantName}/${e.number}`,
  tenantId: e.tenantId,
  extension: e.number,
});

/** Numbering-plan warnings for a number (a number in no recommended range). */
export function numberWarnings(deps: ServiceDeps, tenantName: string, number: string): Promise<string[]> {
  return deps.data.read(async (q) => checkNumber(await readPlan(q, (await loadTenant(q, tenantName)).id), number).warnings);
}

export function listExtensions(deps: ServiceDeps, tenantName: string): Promise<ExtensionRow[]> {
  return deps.data.read(async (q) => {
    const tenant = await loadTenant(q, tenantName);
    return q.db.select().from(q.t.extensions).where(eq(q.t.extensions.tenantId, tenant.id)).orderBy(q.t.extensions.number);
  });
}

/** An extension of a tenant by number, or undefined. */
export async function findExtension(q: Query, tenantId: number, number: string): Promise<ExtensionRow | undefined> {
  const e = q.t.extensions;
  return first(await q.db.select().from(e).where(and(eq(e.tenantId, tenantId), eq(e.number, number))).limit(1));
}

/** getExtension for converted code, in a `data.read` or `data.write`: 404 for an unknown tenant or number. */
export async function loadExtension(q: Query, tenantName: string, number: string): Promise<ExtensionRow> {
  const row = await findExtension(q, (await loadTenant(q, tenantName)).id, number);
  if (!row) throw noExtension(tenantName, number);
  return row;
}

/** An extension, read on its own (the asynchronous form of getExtension for callers outside a transaction). */
export function readExtension(deps: ServiceDeps, tenantName: string, number: string): Promise<ExtensionRow> {
  return deps.data.read((q) => loadExtension(q, tenantName, number));
}

/** The synchronous reader, for the request path, background passes and services not yet converted. */
export function getExtension(deps: ServiceDeps, tenantName: string, number: string): ExtensionRow {
  const tenant = getTenant(deps, tenantName);
  const row = deps.db
    .select()
    .from(extensions)
    .where(and(eq(extensions.tenantId, tenant.id), eq(extensions.number, number)))
    .get();
  if (!row) throw noExtension(tenantName, number);
  return row;
}

/** updateExtension in the caller's `data.write` (the CSV import's). */
export async function updateExtensionIn(q: Query, deps: ServiceDeps, tenantName: string, number: string, patch: ExtensionPatch): Promise<ExtensionRow> {
  const row = await loadExtension(q, tenantName, number);
  const [after] = await q.db
    .update(q.t.extensions)
    .set({ ...stripUndefined(patch), updatedAt: deps.clock().getTime() })
    .where(eq(q.t.extensions.id, row.id))
    .returning();
  await auditChangeIn(q, deps, updatedEvent(tenantName, row, after!));
  await recordExtensionChangeIn(q, deps, "extension.changed", after!);
  return after!;
}

// Read-modify-write of one row with its audit row: serializable (the default).
export function updateExtension(deps: ServiceDeps, tenantName: string, number: string, patch: ExtensionPatch): Promise<ExtensionRow> {
  return deps.data.write((q) => updateExtensionIn(q, deps, tenantName, number, patch));
}

/** A new random SIP password; phones get it at their next fetch. Serializable (the default). */
export function resetExtensionPassword(deps: ServiceDeps, tenantName: string, number: string): Promise<ExtensionRow> {
  return deps.data.write(async (q) => {
    const row = await loadExtension(q, tenantName, number);
    await auditChangeIn(q, deps, { action: "extension.reset_password", ...extensionAuditTarget(tenantName, row), detail: "new random SIP password" });
    const [after] = await q.db
      .update(q.t.extensions)
      .set({ sipPasswordEnc: deps.secrets.seal(randomPassword()), updatedAt: deps.clock().getTime() })
      .where(eq(q.t.extensions.id, row.id))
      .returning();
    await recordExtensionChangeIn(q, deps, "extension.credentials_rotated", after!);
    return after!;
  });
}

/** Devices whose lines carry the extension or whose own keys watch it (extension-usage.ts), in the caller's `q`. */
export async function devicesUsingExtensionIn(q: Query, extensionId: number): Promise<string[]> {
  return (await devicesShowingExtensionIn(q, extensionId)).filter((d) => d.line || d.key).map((d) => d.device.mac);
}

/** devicesUsingExtension, read on its own. */
export function devicesUsingExtension(deps: ServiceDeps, extensionId: number): Promise<string[]> {
  return deps.data.read((q) => devicesUsingExtensionIn(q, extensionId));
}

/**
 * Deletes an extension. Refused while phones carry or watch it, unless `detach`: then it is taken
 * out of everything that shows it, as a force-unregister in `remove` mode does
 * (`removeExtensionFromPhones`): the phones' lines with their line keys, their BLF keys, key-layout
 * keys and group memberships. The audit entry names what it was detached from, groups included.
 * Serializable (the default): what it refuses on or detaches from is read in the same transaction.
 */
export function deleteExtension(deps: ServiceDeps, tenantName: string, number: string, options: { detach?: boolean } = {}): Promise<void> {
  return deps.data.write(async (q) => {
    const row = await loadExtension(q, tenantName, number);
    const users = await devicesUsingExtensionIn(q, row.id);
    if (users.length && !options.detach) {
      throw conflict(`extension ${number} is on device(s) ${users.join(", ")}; remove it from their lines and keys first, or delete with detach=1`);
    }
    const layouts = await layoutsWatchingExtensionIn(q, row.id);
    if (layouts.length && !options.detach) {
      throw conflict(`extension ${number} is watched by key layout(s) ${layouts.join(", ")}; remove those keys first, or delete with detach=1`);
    }
    const removed = await removeExtensionFromPhonesIn(q, row.id, deps.clock().getTime());
    await q.db.delete(q.t.extensions).where(eq(q.t.extensions.id, row.id));
    const from = [
      users.length ? `devices ${users.join(", ")}` : "",
      layouts.length ? `key layouts ${layouts.map((l) => `"${l}"`).join(", ")}` : "",
      removed.groups.length ? `groups ${removed.groups.map((g) => `"${g}"`).join(", ")}` : "",
    ].filter(Boolean);
    const detail = from.length ? `detached from ${from.join(" and ")}` : null;
    await auditChangeIn(q, deps, { action: "extension.delete", ...extensionAuditTarget(tenantName, row), before: row, detail });
    await recordExtensionChangeIn(q, deps, "extension.deleted", row);
  });
}
