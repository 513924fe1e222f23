import type { LayoutRow } from "../db/rows.ts";
import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { writeTransaction, type Db } from "../db/client.ts";
import { deviceKeyLayouts, keyLayoutKeys, keyLayouts } from "../db/schema.ts";
import { hasControlCharacters } from "../domain/validation.ts";
import { conflict, invalidInput, notFound } from "../errors.ts";
import { auditChange } from "./actor.ts";
import type { ServiceDeps } from "./deps.ts";
import { getDevice } from "./devices.ts";
import { keyLimitsOf } from "./device-rules.ts";
import { deviceLayoutSync, devicesUsingLayoutSync, expandDeviceKeysSync, layoutSpecsSync } from "./key-expansion-sync.ts";
import type { ExpandedKey } from "../domain/key-expansion.ts";
import { assertKeysFitSync } from "./key-checks-sync.ts";
import { resolveKeyInputs } from "./key-inputs.ts";
import { KeysInput } from "./schemas.ts";
import { refuseWhileSignedIn } from "../hot-desk/desk-state.ts";
import { getTenant } from "./tenants.ts";

/** Named key layouts per tenant ("reception panel"), reusable across phones. */

const LAYOUT_NAME = z
  .string()
  .min(1, "must not be empty")
  .max(64)
  .refine((v) => !hasControlCharacters(v) && !v.includes("/"), "must not contain control characters or /");
export const KeyLayoutInput = z.strictObject({ name: LAYOUT_NAME, keys: KeysInput });
export const KeyLayoutPut = z.strictObject({ name: LAYOUT_NAME.optional(), keys: KeysInput });
export const DeviceLayoutInput = z.strictObject({ layout: LAYOUT_NAME.nullable() });


export function findLayout(db: Db, tenantId: number, name: string): LayoutRow | undefined {
  return db.select().from(keyLayouts).where(and(eq(keyLayouts.tenantId, tenantId), eq(keyLayouts.name, name))).get();
}

function requireLayout(db: Db, tenantId: number, name: string): LayoutRow {
  const l = findLayout(db, tenantId, name);
  if (!l) throw notFound(`no key layout "${name.slice(0, 64)}" in this tenant`);
  return l;
}

/** Records a change of a layout (`key_layout.<what>`) with its name and keys before and after. */
function auditLayout(deps: ServiceDeps, tx: Db, tenant: string, l: LayoutRow, what: string, before: LayoutView | null, after: LayoutView | null): void {
  const snap = (v: LayoutView | null) => v && { name: v.name, keys: v.keys };
  auditChange(tx, deps, { action: `key_layout.${what}`, target: `key_layout:${tenant}/${(after ?? before)!.name}`, tenantId: l.tenantId, before: snap(before), after: snap(after) });
}

type LayoutView = ReturnType<typeof view>;

function view(db: Db, l: LayoutRow) {
  const keys = layoutSpecsSync(db, l.id).map((k) => ({ index: k.index, kind: k.kind, label: k.label, line: k.line, value: k.value }));
  return { name: l.name, keys, devices: devicesUsingLayoutSync(db, l.id).length };
}

export function listLayouts(deps: ServiceDeps, tenant: string) {
  const t = getTenant(deps, tenant);
  return deps.db.select().from(keyLayouts).where(eq(keyLayouts.tenantId, t.id)).orderBy(asc(keyLayouts.name)).all().map((l) => view(deps.db, l));
}

export function getLayout(deps: ServiceDeps, tenant: string, name: string) {
  return view(deps.db, requireLayout(deps.db, getTenant(deps, tenant).id, name));
}

function writeKeys(tx: Db, layout: LayoutRow, keys: z.infer<typeof KeysInput>): void {
  // Capacity is per phone model: checked for every device using the layout (assertKeysFit).
  const resolved = resolveKeyInputs(tx, layout.tenantId, keys, null);
  tx.delete(keyLayoutKeys).where(eq(keyLayoutKeys.layoutId, layout.id)).run();
  if (resolved.length) {
    tx.insert(keyLayoutKeys)
      .values(resolved.map((k) => ({ layoutId: layout.id, keyIndex: k.index, kind: k.kind, label: k.label, lineIndex: k.line, targetExtensionId: k.targetExtensionId, targetGroupId: k.groupId, value: k.value })))
      .run();
  }
  assertKeysFitSync(tx, devicesUsingLayoutSync(tx, layout.id), `key layout "${layout.name}"`);
}

export function createLayout(deps: ServiceDeps, tenant: string, input: z.infer<typeof KeyLayoutInput>) {
  const now = deps.clock().getTime();
  return writeTransaction(deps.db, (tx) => {
    const t = getTenant({ ...deps, db: tx }, tenant);
    if (findLayout(tx, t.id, input.name)) throw conflict(`name: key layout "${input.name}" already exists`);
    const l = tx.insert(keyLayouts).values({ tenantId: t.id, name: input.name, createdAt: now, updatedAt: now }).returning().get();
    writeKeys(tx, l, input.keys);
    const after = view(tx, l);
    auditLayout(deps, tx, tenant, l, "create", null, after);
    return after;
  });
}

/** Replaces a layout's keys (and renames it when `name` is given). */
export function putLayout(deps: ServiceDeps, tenant: string, name: string, input: z.infer<typeof KeyLayoutPut>) {
  return writeTransaction(deps.db, (tx) => {
    const t = getTenant({ ...deps, db: tx }, tenant);
    const l = requireLayout(tx, t.id, name);
    if (input.name && input.name !== name && findLayout(tx, t.id, input.name)) throw conflict(`name: key layout "${input.name}" already exists`);
    const before = view(tx, l);
    const next = tx.update(keyLayouts).set({ name: input.name ?? name, updatedAt: deps.clock().getTime() }).where(eq(keyLayouts.id, l.id)).returning().get();
    writeKeys(tx, next, input.keys);
    const after = view(tx, next);
    auditLayout(deps, tx, tenant, l, "update", before, after);
    return after;
  });
}

export function deleteLayout(deps: ServiceDeps, tenant: string, name: string): void {
  writeTransaction(deps.db, (tx) => {
    const l = requireLayout(tx, getTenant({ ...deps, db: tx }, tenant).id, name);
    const n = devicesUsingLayoutSync(tx, l.id).length;
    if (n) throw conflict(`key layout "${name}" is used by ${n} device(s); give them another layout or none first`);
    const before = view(tx, l);
    tx.delete(keyLayouts).where(eq(keyLayouts.id, l.id)).run();
    auditLayout(deps, tx, tenant, l, "delete", before, null);
  });
}

/** Assigns a layout to a device (null removes it); the device's effective keys must fit. */
export function setDeviceLayout(deps: ServiceDeps, mac: string, layout: string | null) {
  writeTransaction(deps.db, (tx) => {
    const device = getDevice({ ...deps, db: tx }, mac);
    refuseWhileSignedIn(tx, device, "layout");
    const before = layoutNameOf(tx, device.id);
    tx.delete(deviceKeyLayouts).where(eq(deviceKeyLayouts.deviceId, device.id)).run();
    if (layout !== null) {
      const l = findLayout(tx, device.tenantId, layout);
      if (!l) throw invalidInput(`layout: no key layout "${layout.slice(0, 64)}" in this device's tenant`);
      tx.insert(deviceKeyLayouts).values({ deviceId: device.id, layoutId: l.id }).run();
    }
    assertKeysFitSync(tx, [device.id], "layout");
    const target = { target: `device:${device.mac}`, tenantId: device.tenantId, mac: device.mac };
    auditChange(tx, deps, { action: "device.key_layout", ...target, before: { layout: before }, after: { layout: layoutNameOf(tx, device.id) } });
  });
  return getDeviceLayout(deps, mac);
}

export function getDeviceLayout(deps: ServiceDeps, mac: string): { layout: string | null; effectiveKeys: ExpandedKey[] } {
  const device = getDevice(deps, mac);
  return { layout: layoutNameOf(deps.db, device.id), effectiveKeys: expandDeviceKeysSync(deps.db, device, keyLimitsOf(device)).keys };
}

function layoutNameOf(db: Db, deviceId: number): string | null {
  return deviceLayoutSync(db, deviceId)?.name ?? null;
}
