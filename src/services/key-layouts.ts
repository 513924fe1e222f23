import type { LayoutRow } from "../db/rows.ts";
import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { first, type Query } from "../db/data.ts";
import { hasControlCharacters } from "../domain/validation.ts";
import { conflict, invalidInput, notFound } from "../errors.ts";
import { auditChangeIn } from "./actor.ts";
import type { ServiceDeps } from "./deps.ts";
import { loadDevice } from "./devices.ts";
import { keyLimitsOf } from "./device-rules.ts";
import { deviceLayout, devicesUsingLayout, expandDeviceKeys, layoutSpecs } from "./key-expansion.ts";
import type { ExpandedKey } from "../domain/key-expansion.ts";
import { assertKeysFit } from "./key-checks.ts";
import { resolveKeyInputs } from "./key-inputs.ts";
import { KeysInput } from "./schemas.ts";
import { refuseWhileSignedIn } from "../hot-desk/desk-state.ts";
import { loadTenant } from "./tenants.ts";

/** Named key layouts per tenant ("reception panel"), reusable across phones; on the asynchronous handle. */

const LAYOUT_NAME = z
  .string()
  .min(1, "must not be empty")
  .max(64)
  .refine((v) => !hasControlCharacters(v) && !v.includes("/"), "must not contain control characters or /");
export const KeyLayoutInput = z.strictObject({ name: LAYOUT_NAME, keys: KeysInput });
export const KeyLayoutPut = z.strictObject({ name: LAYOUT_NAME.optional(), keys: KeysInput });
export const DeviceLayoutInput = z.strictObject({ layout: LAYOUT_NAME.nullable() });

export async function findLayout(q: Query, tenantId: number, name: string): Promise<LayoutRow | undefined> {
  const { keyLayouts } = q.t;
  return first(await q.db.select().from(keyLayouts).where(and(eq(keyLayouts.tenantId, tenantId), eq(keyLayouts.name, name))).limit(1));
}

async function requireLayout(q: Query, tenantId: number, name: string): Promise<LayoutRow> {
  const l = await findLayout(q, tenantId, name);
  if (!l) throw notFound(`no key layout "${name.slice(0, 64)}" in this tenant`);
  return l;
}

/** Records a change of a layout (`key_layout.<what>`) with its name and keys before and after. */
function auditLayout(deps: ServiceDeps, q: Query, tenant: string, l: LayoutRow, what: string, before: LayoutView | null, after: LayoutView | null): Promise<void> {
  const snap = (v: LayoutView | null) => v && { name: v.name, keys: v.keys };
  return auditChangeIn(q, deps, { action: `key_layout.${what}`, target: `key_layout:${tenant}/${(after ?? before)!.name}`, tenantId: l.tenantId, before: snap(before), after: snap(after) });
}

export interface LayoutView {
  readonly name: string;
  readonly keys: { index: number; kind: string; label: string | null; line: number; value: string | null }[];
  readonly devices: number;
}

async function view(q: Query, l: LayoutRow): Promise<LayoutView> {
  const keys = (await layoutSpecs(q, l.id)).map((k) => ({ index: k.index, kind: k.kind, label: k.label, line: k.line, value: k.value }));
  return { name: l.name, keys, devices: (await devicesUsingLayout(q, l.id)).length };
}

export function listLayouts(deps: ServiceDeps, tenant: string): Promise<LayoutView[]> {
  return deps.data.read(async (q) => {
    const t = await loadTenant(q, tenant);
    const rows = await q.db.select().from(q.t.keyLayouts).where(eq(q.t.keyLayouts.tenantId, t.id)).orderBy(asc(q.t.keyLayouts.name));
    const views: LayoutView[] = [];
    for (const l of rows) views.push(await view(q, l));
    return views;
  });
}

export function getLayout(deps: ServiceDeps, tenant: string, name: string): Promise<LayoutView> {
  return deps.data.read(async (q) => view(q, await requireLayout(q, (await loadTenant(q, tenant)).id, name)));
}

async function writeKeys(q: Query, layout: LayoutRow, keys: z.infer<typeof KeysInput>): Promise<void> {
  const { keyLayoutKeys } = q.t;
  // Capacity is per phone model: checked for every device using the layout (assertKeysFit).
  const resolved = await resolveKeyInputs(q, layout.tenantId, keys, null);
  await q.db.delete(keyLayoutKeys).where(eq(keyLayoutKeys.layoutId, layout.id));
  if (resolved.length) {
    await q.db
      .insert(keyLayoutKeys)
      .values(resolved.map((k) => ({ layoutId: layout.id, keyIndex: k.index, kind: k.kind, label: k.label, lineIndex: k.line, targetExtensionId: k.targetExtensionId, targetGroupId: k.groupId, value: k.value })));
  }
  await assertKeysFit(q, await devicesUsingLayout(q, layout.id), `key layout "${layout.name}"`);
}

// Every write below reads what it checks (the name, the devices using the layout) and what it
// replaces for the audit row, then writes: serializable on PostgreSQL (the default), so a device
// given the layout meanwhile cannot escape the key-fit check (docs/scale-out.md#transactions).

export function createLayout(deps: ServiceDeps, tenant: string, input: z.infer<typeof KeyLayoutInput>): Promise<LayoutView> {
  const now = deps.clock().getTime();
  return deps.data.write(async (q) => {
    const t = await loadTenant(q, tenant);
    if (await findLayout(q, t.id, input.name)) throw conflict(`name: key layout "${input.name}" already exists`);
    const [l] = await q.db.insert(q.t.keyLayouts).values({ tenantId: t.id, name: input.name, createdAt: now, updatedAt: now }).returning();
    await writeKeys(q, l!, input.keys);
    const after = await view(q, l!);
    await auditLayout(deps, q, tenant, l!, "create", null, after);
    return after;
  });
}

/** Replaces a layout's keys (and renames it when `name` is given). */
export function putLayout(deps: ServiceDeps, tenant: string, name: string, input: z.infer<typeof KeyLayoutPut>): Promise<LayoutView> {
  return deps.data.write(async (q) => {
    const { keyLayouts } = q.t;
    const t = await loadTenant(q, tenant);
    const l = await requireLayout(q, t.id, name);
    if (input.name && input.name !== name && (await findLayout(q, t.id, input.name))) throw conflict(`name: key layout "${input.name}" already exists`);
    const before = await view(q, l);
    const [next] = await q.db.update(keyLayouts).set({ name: input.name ?? name, updatedAt: deps.clock().getTime() }).where(eq(keyLayouts.id, l.id)).returning();
    await writeKeys(q, next!, input.keys);
    const after = await view(q, next!);
    await auditLayout(deps, q, tenant, l, "update", before, after);
    return after;
  });
}

export function deleteLayout(deps: ServiceDeps, tenant: string, name: string): Promise<void> {
  return deps.data.write(async (q) => {
    const l = await requireLayout(q, (await loadTenant(q, tenant)).id, name);
    const n = (await devicesUsingLayout(q, l.id)).length;
    if (n) throw conflict(`key layout "${name}" is used by ${n} device(s); give them another layout or none first`);
    const before = await view(q, l);
    await q.db.delete(q.t.keyLayouts).where(eq(q.t.keyLayouts.id, l.id));
    await auditLayout(deps, q, tenant, l, "delete", before, null);
  });
}

/** Assigns a layout to a device (null removes it); the device's effective keys must fit. */
export function setDeviceLayout(deps: ServiceDeps, mac: string, layout: string | null): Promise<DeviceLayoutView> {
  return deps.data.write(async (q) => {
    const { deviceKeyLayouts } = q.t;
    const device = await loadDevice(q, mac);
    await refuseWhileSignedIn(q, device, "layout");
    const before = await layoutNameOf(q, device.id);
    await q.db.delete(deviceKeyLayouts).where(eq(deviceKeyLayouts.deviceId, device.id));
    if (layout !== null) {
      const l = await findLayout(q, device.tenantId, layout);
      if (!l) throw invalidInput(`layout: no key layout "${layout.slice(0, 64)}" in this device's tenant`);
      await q.db.insert(deviceKeyLayouts).values({ deviceId: device.id, layoutId: l.id });
    }
    await assertKeysFit(q, [device.id], "layout");
    const target = { target: `device:${device.mac}`, tenantId: device.tenantId, mac: device.mac };
    await auditChangeIn(q, deps, { action: "device.key_layout", ...target, before: { layout: before }, after: { layout: await layoutNameOf(q, device.id) } });
    return deviceLayoutView(q, device);
  });
}

export interface DeviceLayoutView {
  readonly layout: string | null;
  readonly effectiveKeys: ExpandedKey[];
}

async function deviceLayoutView(q: Query, device: Parameters<typeof keyLimitsOf>[0] & { id: number }): Promise<DeviceLayoutView> {
  return { layout: await layoutNameOf(q, device.id), effectiveKeys: (await expandDeviceKeys(q, device, keyLimitsOf(device))).keys };
}

export function getDeviceLayout(deps: ServiceDeps, mac: string): Promise<DeviceLayoutView> {
  return deps.data.read(async (q) => deviceLayoutView(q, await loadDevice(q, mac)));
}

async function layoutNameOf(q: Query, deviceId: number): Promise<string | null> {
  return (await deviceLayout(q, deviceId))?.name ?? null;
}
