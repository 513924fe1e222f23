import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { first, type Query } from "../db/data.ts";
import { hasControlCharacters } from "../domain/validation.ts";
import { conflict, invalidInput, notFound } from "../errors.ts";
import type { ServiceDeps } from "./deps.ts";
import { auditChangeIn } from "./actor.ts";
import { findTenantExtension } from "./devices.ts";
import { extensionGroupNamesIn } from "./extension-usage.ts";
import { extensionAuditTarget, loadExtension } from "./extensions.ts";
import { devicesUsingGroup } from "./key-expansion.ts";
import { assertKeysFit } from "./key-checks.ts";
import { loadTenant } from "./tenants.ts";
import type { ExtensionRow, GroupRow } from "../db/rows.ts";

/**
 * Groups of extensions ("Edit members configuration"); a BLF key may target a group. On the
 * asynchronous handle; the CSV import writes an extension's own group list inside its own
 * `data.write` (setExtensionGroupsIn).
 */

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

/** Members in extension-number order (shorter numbers first). */
const byNumber = (a: string, b: string): number => a.length - b.length || (a < b ? -1 : 1);
const noGroup = (name: string, field: string) => notFound(`${field}: no group "${name.slice(0, 64)}" in this tenant`);
const alreadyExists = (name: string) => conflict(`name: group "${name}" already exists`);
const noMemberExtension = (number: string, tenant: string) => invalidInput(`members: extension ${number.slice(0, 15)} does not exist in tenant ${tenant}`);

export async function findGroup(q: Query, tenantId: number, name: string): Promise<GroupRow | undefined> {
  const { extensionGroups: g } = q.t;
  return first(await q.db.select().from(g).where(and(eq(g.tenantId, tenantId), eq(g.name, name))).limit(1));
}

async function requireGroup(q: Query, tenantId: number, name: string, field = "group"): Promise<GroupRow> {
  const g = await findGroup(q, tenantId, name);
  if (!g) throw noGroup(name, field);
  return g;
}

async function groupMembers(q: Query, groupId: number): Promise<string[]> {
  const { extensionGroupMembers: m, extensions: e } = q.t;
  const rows = await q.db.select({ n: e.number }).from(m).innerJoin(e, eq(e.id, m.extensionId)).where(eq(m.groupId, groupId));
  return rows.map((r) => r.n).sort(byNumber);
}

const view = async (q: Query, g: GroupRow): Promise<GroupView> => ({ name: g.name, members: await groupMembers(q, g.id) });

/** Records a change of a group (`group.<what>`), with the group's name and members before and after. */
function auditGroup(deps: ServiceDeps, q: Query, tenant: string, g: GroupRow, what: string, before: GroupView | null, after: GroupView | null): Promise<void> {
  return auditChangeIn(q, deps, { action: `group.${what}`, target: `group:${tenant}/${(after ?? before)!.name}`, tenantId: g.tenantId, before, after });
}

export function listGroups(deps: ServiceDeps, tenant: string): Promise<GroupView[]> {
  return deps.data.read(async (q) => {
    const { extensionGroups: g } = q.t;
    const t = await loadTenant(q, tenant);
    const rows = await q.db.select().from(g).where(eq(g.tenantId, t.id)).orderBy(asc(g.name));
    const views: GroupView[] = [];
    for (const row of rows) views.push(await view(q, row));
    return views;
  });
}

export function getGroup(deps: ServiceDeps, tenant: string, name: string): Promise<GroupView> {
  return deps.data.read(async (q) => view(q, await requireGroup(q, (await loadTenant(q, tenant)).id, name)));
}

/** setMembers with its audit row (`group.members`); creating a group records `group.create` instead. */
async function changeMembers(deps: ServiceDeps, q: Query, tenant: string, g: GroupRow, numbers: readonly string[]): Promise<GroupView> {
  const before = await view(q, g);
  await setMembers(q, tenant, g, numbers);
  const after = await view(q, g);
  await auditGroup(deps, q, tenant, g, "members", before, after);
  return after;
}

async function setMembers(q: Query, tenant: string, g: GroupRow, numbers: readonly string[]): Promise<void> {
  const { extensionGroupMembers: m } = q.t;
  const ids: number[] = [];
  for (const n of new Set(numbers)) {
    const ext = await findTenantExtension(q, g.tenantId, n);
    if (!ext) throw noMemberExtension(n, tenant);
    ids.push(ext.id);
  }
  await q.db.delete(m).where(eq(m.groupId, g.id));
  if (ids.length) await q.db.insert(m).values(ids.map((extensionId) => ({ groupId: g.id, extensionId })));
  await assertKeysFit(q, await devicesUsingGroup(q, g.id), `members of group "${g.name}"`);
}

// Every write below reads the group, its members and the devices whose keys expand it, then
// writes: serializable on PostgreSQL (the default), so a key added meanwhile cannot escape the
// key-fit check and the audit row records what was replaced (docs/scale-out.md#transactions).

export function createGroup(deps: ServiceDeps, tenant: string, input: z.infer<typeof GroupInput>): Promise<GroupView> {
  return deps.data.write(async (q) => {
    const t = await loadTenant(q, tenant);
    if (await findGroup(q, t.id, input.name)) throw alreadyExists(input.name);
    const [g] = await q.db.insert(q.t.extensionGroups).values({ tenantId: t.id, name: input.name }).returning();
    await setMembers(q, tenant, g!, input.members);
    const after = await view(q, g!);
    await auditGroup(deps, q, tenant, g!, "create", null, after);
    return after;
  });
}

export function renameGroup(deps: ServiceDeps, tenant: string, name: string, input: z.infer<typeof GroupPatch>): Promise<GroupView> {
  return deps.data.write(async (q) => {
    const { extensionGroups } = q.t;
    const t = await loadTenant(q, tenant);
    const g = await requireGroup(q, t.id, name);
    const other = await findGroup(q, t.id, input.name);
    if (other && other.id !== g.id) throw alreadyExists(input.name);
    const before = await view(q, g);
    const [renamed] = await q.db.update(extensionGroups).set({ name: input.name }).where(eq(extensionGroups.id, g.id)).returning();
    const after = await view(q, renamed!);
    await auditGroup(deps, q, tenant, g, "rename", before, after);
    return after;
  });
}

/** Refused while keys (a device's or a layout's) target the group. */
export function deleteGroup(deps: ServiceDeps, tenant: string, name: string): Promise<void> {
  return deps.data.write(async (q) => {
    const { deviceGroupKeys, keyLayoutKeys, extensionGroups } = q.t;
    const g = await requireGroup(q, (await loadTenant(q, tenant)).id, name);
    const used =
      first(await q.db.select().from(deviceGroupKeys).where(eq(deviceGroupKeys.groupId, g.id)).limit(1)) ??
      first(await q.db.select().from(keyLayoutKeys).where(eq(keyLayoutKeys.targetGroupId, g.id)).limit(1));
    if (used) throw conflict(`group "${name}" is the target of BLF keys; remove those keys first`);
    const before = await view(q, g);
    await q.db.delete(extensionGroups).where(eq(extensionGroups.id, g.id));
    await auditGroup(deps, q, tenant, g, "delete", before, null);
  });
}

export function putMembers(deps: ServiceDeps, tenant: string, name: string, members: readonly string[]): Promise<GroupView> {
  return deps.data.write(async (q) => {
    const g = await requireGroup(q, (await loadTenant(q, tenant)).id, name);
    return changeMembers(deps, q, tenant, g, members);
  });
}

export function addMember(deps: ServiceDeps, tenant: string, name: string, number: string): Promise<GroupView> {
  return deps.data.write(async (q) => {
    const g = await requireGroup(q, (await loadTenant(q, tenant)).id, name);
    return changeMembers(deps, q, tenant, g, [...(await groupMembers(q, g.id)), number]);
  });
}

export function removeMember(deps: ServiceDeps, tenant: string, name: string, number: string): Promise<GroupView> {
  return deps.data.write(async (q) => {
    const g = await requireGroup(q, (await loadTenant(q, tenant)).id, name);
    const current = await groupMembers(q, g.id);
    if (!current.includes(number)) throw notFound(`extension ${number.slice(0, 15)} is not a member of group "${name}"`);
    return changeMembers(deps, q, tenant, g, current.filter((n) => n !== number));
  });
}

/** The refusal of a group name given for an extension's groups (`groups[2]: no group "x" in this tenant`). */
const noGroupForInput = (name: string, field: string) => invalidInput(`${field}: no group "${name.slice(0, 64)}" in this tenant`);

/** The audit event of an extension's groups replaced (`extension.groups`). */
const extensionGroupsEvent = (tenant: string, ext: ExtensionRow, before: string[], after: string[]) => ({
  action: "extension.groups",
  ...extensionAuditTarget(tenant, ext),
  before: { groups: before },
  after: { groups: after },
});

/** The groups an extension belongs to, by name. */
export function readExtensionGroups(deps: ServiceDeps, tenant: string, number: string): Promise<string[]> {
  return deps.data.read(async (q) => extensionGroupNamesIn(q, (await loadExtension(q, tenant, number)).id));
}

/** setExtensionGroups in the caller's `data.write` (the CSV import's groups column). */
export async function setExtensionGroupsIn(q: Query, deps: ServiceDeps, tenant: string, number: string, names: readonly string[]): Promise<string[]> {
  const { extensionGroupMembers: m } = q.t;
  const ext = await loadExtension(q, tenant, number);
  const groups: GroupRow[] = [];
  for (const [i, n] of [...new Set(names)].entries()) {
    const g = await findGroup(q, ext.tenantId, n);
    if (!g) throw noGroupForInput(n, `groups[${i}]`);
    groups.push(g);
  }
  const beforeNames = await extensionGroupNamesIn(q, ext.id);
  const before = (await q.db.select({ g: m.groupId }).from(m).where(eq(m.extensionId, ext.id))).map((r) => r.g);
  await q.db.delete(m).where(eq(m.extensionId, ext.id));
  if (groups.length) await q.db.insert(m).values(groups.map((g) => ({ groupId: g.id, extensionId: ext.id })));
  for (const gid of new Set([...before, ...groups.map((g) => g.id)])) await assertKeysFit(q, await devicesUsingGroup(q, gid), `groups of extension ${number}`);
  const after = await extensionGroupNamesIn(q, ext.id);
  await auditChangeIn(q, deps, extensionGroupsEvent(tenant, ext, beforeNames, after));
  return after;
}

/**
 * The groups an extension belongs to, replaced whole (the extension's Groups pop-up), by name.
 * Re-checks the keys of every phone watching a group it joins or leaves; serializable (the default).
 */
export function setExtensionGroups(deps: ServiceDeps, tenant: string, number: string, names: readonly string[]): Promise<string[]> {
  return deps.data.write((q) => setExtensionGroupsIn(q, deps, tenant, number, names));
}

export interface GroupKeyUses {
  devices: { mac: string; index: number; label: string | null }[];
  layouts: { layout: string; index: number; label: string | null }[];
}

/** The BLF keys that watch a group: on a device (its own keys) or in a key layout, by key index. */
export function groupKeyUses(deps: ServiceDeps, tenant: string, name: string): Promise<GroupKeyUses> {
  return deps.data.read(async (q) => {
    const { devices, deviceGroupKeys, keyLayouts, keyLayoutKeys } = q.t;
    const g = await requireGroup(q, (await loadTenant(q, tenant)).id, name);
    const onDevices = await q.db
      .select({ mac: devices.mac, index: deviceGroupKeys.keyIndex, label: deviceGroupKeys.label })
      .from(deviceGroupKeys)
      .innerJoin(devices, eq(devices.id, deviceGroupKeys.deviceId))
      .where(eq(deviceGroupKeys.groupId, g.id))
      .orderBy(asc(devices.mac), asc(deviceGroupKeys.keyIndex));
    const inLayouts = await q.db
      .select({ layout: keyLayouts.name, index: keyLayoutKeys.keyIndex, label: keyLayoutKeys.label })
      .from(keyLayoutKeys)
      .innerJoin(keyLayouts, eq(keyLayouts.id, keyLayoutKeys.layoutId))
      .where(eq(keyLayoutKeys.targetGroupId, g.id))
      .orderBy(asc(keyLayouts.name), asc(keyLayoutKeys.keyIndex));
    return { devices: onDevices, layouts: inLayouts };
  });
}
