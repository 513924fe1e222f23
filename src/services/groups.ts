import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { writeTransaction, type Db } from "../db/client.ts";
import { deviceGroupKeys, devices, extensionGroupMembers, extensionGroups, extensions, keyLayoutKeys, keyLayouts } from "../db/schema.ts";
import { hasControlCharacters } from "../domain/validation.ts";
import { conflict, invalidInput, notFound } from "../errors.ts";
import type { ServiceDeps } from "./deps.ts";
import { auditChange } from "./actor.ts";
import { extensionAuditTarget, getExtension } from "./extensions.ts";
import { devicesUsingGroupSync } from "./key-expansion-sync.ts";
import { extensionGroupNames } from "./extension-usage.ts";
import { assertKeysFitSync } from "./key-checks-sync.ts";
import { getTenant } from "./tenants.ts";
import type { GroupRow } from "../db/rows.ts";

/** Groups of extensions ("Edit members configuration"); a BLF key may target a group. */

const GROUP_NAME = z
  .string()
  .min(1, "must not be empty")
  .max(64, "must be at most 64 characters")
  .refine((v) => !hasControlCharacters(v) && !v.includes("/"), "must not contain control characters or /");
export const GroupInput = z.strictObject({ name: GROUP_NAME, members: z.array(z.string().max(15)).max(1000).default([]) });
export const GroupPatch = z.strictObject({ name: GROUP_NAME });
export const MembersInput = z.strictObject({ members: z.array(z.string().max(15)).max(1000) });

export interface GroupView {
  readonly name: string;
  readonly members: string[];
}

export function findGroup(db: Db, tenantId: number, name: string): GroupRow | undefined {
  return db.select().from(extensionGroups).where(and(eq(extensionGroups.tenantId, tenantId), eq(extensionGroups.name, name))).get();
}

function requireGroup(db: Db, tenantId: number, name: string, field = "group"): GroupRow {
  const g = findGroup(db, tenantId, name);
  if (!g) throw notFound(`${field}: no group "${name.slice(0, 64)}" in this tenant`);
  return g;
}

function groupMembers(db: Db, groupId: number): string[] {
  return db
    .select({ n: extensions.number })
    .from(extensionGroupMembers)
    .innerJoin(extensions, eq(extensions.id, extensionGroupMembers.extensionId))
    .where(eq(extensionGroupMembers.groupId, groupId))
    .all()
    .map((r) => r.n)
    .sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
}

const view = (db: Db, g: GroupRow): GroupView => ({ name: g.name, members: groupMembers(db, g.id) });

/** Records a change of a group (`group.<what>`), with the group's name and members before and after. */
function auditGroup(deps: ServiceDeps, tx: Db, tenant: string, g: GroupRow, what: string, before: GroupView | null, after: GroupView | null): void {
  auditChange(tx, deps, { action: `group.${what}`, target: `group:${tenant}/${(after ?? before)!.name}`, tenantId: g.tenantId, before, after });
}

export function listGroups(deps: ServiceDeps, tenant: string): GroupView[] {
  const t = getTenant(deps, tenant);
  return deps.db.select().from(extensionGroups).where(eq(extensionGroups.tenantId, t.id)).orderBy(asc(extensionGroups.name)).all().map((g) => view(deps.db, g));
}

export function getGroup(deps: ServiceDeps, tenant: string, name: string): GroupView {
  return view(deps.db, requireGroup(deps.db, getTenant(deps, tenant).id, name));
}

/** setMembers with its audit row (`group.members`); creating a group records `group.create` instead. */
function changeMembers(deps: ServiceDeps, tx: Db, tenant: string, g: GroupRow, numbers: readonly string[]): GroupView {
  const before = view(tx, g);
  setMembers(deps, tx, tenant, g, numbers);
  const after = view(tx, g);
  auditGroup(deps, tx, tenant, g, "members", before, after);
  return after;
}

function setMembers(deps: ServiceDeps, tx: Db, tenant: string, g: GroupRow, numbers: readonly string[]): void {
  const ids = [...new Set(numbers)].map((n) => {
    try {
      return getExtension({ ...deps, db: tx }, tenant, n).id;
    } catch {
      throw invalidInput(`members: extension ${n.slice(0, 15)} does not exist in tenant ${tenant}`);
    }
  });
  tx.delete(extensionGroupMembers).where(eq(extensionGroupMembers.groupId, g.id)).run();
  if (ids.length) tx.insert(extensionGroupMembers).values(ids.map((extensionId) => ({ groupId: g.id, extensionId }))).run();
  assertKeysFitSync(tx, devicesUsingGroupSync(tx, g.id), `members of group "${g.name}"`);
}

export function createGroup(deps: ServiceDeps, tenant: string, input: z.infer<typeof GroupInput>): GroupView {
  return writeTransaction(deps.db, (tx) => {
    const t = getTenant({ ...deps, db: tx }, tenant);
    if (findGroup(tx, t.id, input.name)) throw conflict(`name: group "${input.name}" already exists`);
    const g = tx.insert(extensionGroups).values({ tenantId: t.id, name: input.name }).returning().get();
    setMembers(deps, tx, tenant, g, input.members);
    const after = view(tx, g);
    auditGroup(deps, tx, tenant, g, "create", null, after);
    return after;
  });
}

export function renameGroup(deps: ServiceDeps, tenant: string, name: string, input: z.infer<typeof GroupPatch>): GroupView {
  return writeTransaction(deps.db, (tx) => {
    const t = getTenant({ ...deps, db: tx }, tenant);
    const g = requireGroup(tx, t.id, name);
    const other = findGroup(tx, t.id, input.name);
    if (other && other.id !== g.id) throw conflict(`name: group "${input.name}" already exists`);
    const before = view(tx, g);
    const after = view(tx, tx.update(extensionGroups).set({ name: input.name }).where(eq(extensionGroups.id, g.id)).returning().get());
    auditGroup(deps, tx, tenant, g, "rename", before, after);
    return after;
  });
}

/** Refused while keys (a device's or a layout's) target the group. */
export function deleteGroup(deps: ServiceDeps, tenant: string, name: string): void {
  writeTransaction(deps.db, (tx) => {
    const g = requireGroup(tx, getTenant({ ...deps, db: tx }, tenant).id, name);
    const used = tx.select().from(deviceGroupKeys).where(eq(deviceGroupKeys.groupId, g.id)).get() ?? tx.select().from(keyLayoutKeys).where(eq(keyLayoutKeys.targetGroupId, g.id)).get();
    if (used) throw conflict(`group "${name}" is the target of BLF keys; remove those keys first`);
    const before = view(tx, g);
    tx.delete(extensionGroups).where(eq(extensionGroups.id, g.id)).run();
    auditGroup(deps, tx, tenant, g, "delete", before, null);
  });
}

export function putMembers(deps: ServiceDeps, tenant: string, name: string, members: readonly string[]): GroupView {
  return writeTransaction(deps.db, (tx) => {
    const g = requireGroup(tx, getTenant({ ...deps, db: tx }, tenant).id, name);
    return changeMembers(deps, tx, tenant, g, members);
  });
}

export function addMember(deps: ServiceDeps, tenant: string, name: string, number: string): GroupView {
  return writeTransaction(deps.db, (tx) => {
    const g = requireGroup(tx, getTenant({ ...deps, db: tx }, tenant).id, name);
    return changeMembers(deps, tx, tenant, g, [...groupMembers(tx, g.id), number]);
  });
}

export function removeMember(deps: ServiceDeps, tenant: string, name: string, number: string): GroupView {
  return writeTransaction(deps.db, (tx) => {
    const g = requireGroup(tx, getTenant({ ...deps, db: tx }, tenant).id, name);
    const current = groupMembers(tx, g.id);
    if (!current.includes(number)) throw notFound(`extension ${number.slice(0, 15)} is not a member of group "${name}"`);
    return changeMembers(deps, tx, tenant, g, current.filter((n) => n !== number));
  });
}

/** Replaces the groups an extension belongs to (the extension's Groups pop-up), all-or-nothing. */
export function setExtensionGroups(deps: ServiceDeps, tenant: string, number: string, names: readonly string[]): string[] {
  return writeTransaction(deps.db, (tx) => {
    const ext = getExtension({ ...deps, db: tx }, tenant, number);
    const groups = [...new Set(names)].map((n, i) => requireGroupForInput(tx, ext.tenantId, n, `groups[${i}]`));
    const beforeNames = extensionGroupNames(tx, ext.id);
    const before = tx.select().from(extensionGroupMembers).where(eq(extensionGroupMembers.extensionId, ext.id)).all().map((m) => m.groupId);
    tx.delete(extensionGroupMembers).where(eq(extensionGroupMembers.extensionId, ext.id)).run();
    if (groups.length) tx.insert(extensionGroupMembers).values(groups.map((g) => ({ groupId: g.id, extensionId: ext.id }))).run();
    const touched = new Set([...before, ...groups.map((g) => g.id)]);
    for (const gid of touched) assertKeysFitSync(tx, devicesUsingGroupSync(tx, gid), `groups of extension ${number}`);
    const after = extensionGroupNames(tx, ext.id);
    auditChange(tx, deps, { action: "extension.groups", ...extensionAuditTarget(tenant, ext), before: { groups: beforeNames }, after: { groups: after } });
    return after;
  });
}

function requireGroupForInput(db: Db, tenantId: number, name: string, field: string): GroupRow {
  const g = findGroup(db, tenantId, name);
  if (!g) throw invalidInput(`${field}: no group "${name.slice(0, 64)}" in this tenant`);
  return g;
}

/** The BLF keys that watch a group: on a device (its own keys) or in a key layout, by key index. */
export function groupKeyUses(deps: ServiceDeps, tenant: string, name: string): { devices: { mac: string; index: number; label: string | null }[]; layouts: { layout: string; index: number; label: string | null }[] } {
  const g = requireGroup(deps.db, getTenant(deps, tenant).id, name);
  const onDevices = deps.db
    .select({ mac: devices.mac, index: deviceGroupKeys.keyIndex, label: deviceGroupKeys.label })
    .from(deviceGroupKeys)
    .innerJoin(devices, eq(devices.id, deviceGroupKeys.deviceId))
    .where(eq(deviceGroupKeys.groupId, g.id))
    .orderBy(asc(devices.mac), asc(deviceGroupKeys.keyIndex))
    .all();
  const inLayouts = deps.db
    .select({ layout: keyLayouts.name, index: keyLayoutKeys.keyIndex, label: keyLayoutKeys.label })
    .from(keyLayoutKeys)
    .innerJoin(keyLayouts, eq(keyLayouts.id, keyLayoutKeys.layoutId))
    .where(eq(keyLayoutKeys.targetGroupId, g.id))
    .orderBy(asc(keyLayouts.name), asc(keyLayoutKeys.keyIndex))
    .all();
  return { devices: onDevices, layouts: inLayouts };
}
