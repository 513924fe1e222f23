import { and, asc, eq } from "drizzle-orm";
import { first, type Query } from "../db/data.ts";
import type { DeviceRow, ExtensionRow } from "../db/rows.ts";
import type { Mac } from "../domain/mac.ts";
import { conflict, invalidInput, notFound } from "../errors.ts";
import { randomPassword } from "../secrets.ts";
import { issueEventSecretIn } from "../registrations/event-secrets.ts";
import { capacityText, expansionModulesProblem, keyLimits } from "../vendors/key-capacity.ts";
import type { ModelInfo, VendorId } from "../vendors/vendor.ts";
import { auditChangeIn } from "./actor.ts";
import type { ServiceDeps } from "./deps.ts";
import { checkMac, checkModel, checkVendor, lineIndexProblem, keyProblem, modelOf, orThrow, unknownExtensionReason } from "./device-rules.ts";
import type { DeviceInput, DevicePatch } from "./schemas.ts";
import { assertKeysFit } from "./key-checks.ts";
import { loadTenant } from "./tenants.ts";

/*
 * Devices on the asynchronous handle (docs/scale-out.md#data-access-on-two-databases). The readers
 * the request path's preview (the demo server's test helper) calls keep a synchronous form in
 * src/services/devices-sync.ts; the checks and messages are shared.
 */

export function requireMac(input: string): Mac {
  return orThrow(checkMac(input), "mac");
}

function resolveVendor(mac: Mac, vendor: string | undefined): VendorId {
  return orThrow(checkVendor(mac, vendor), "vendor");
}

export function resolveModel(vendor: VendorId, model: string): ModelInfo {
  return orThrow(checkModel(vendor, model), "model");
}

/** Provisioning credentials of a new device: random, sealed; the same for the API, claims and imports. */
export function newDeviceSecrets(deps: Pick<ServiceDeps, "secrets">, mac: Mac) {
  return {
    provUsername: mac,
    provPasswordEnc: deps.secrets.seal(randomPassword()),
    adminPasswordEnc: deps.secrets.seal(randomPassword(16)),
  };
}

function requireModules(model: ModelInfo, modules: number, field: string): number {
  const problem = expansionModulesProblem(model, modules);
  if (problem) throw invalidInput(`${field}: ${problem}`);
  return modules;
}

export const noDevice = (mac: Mac) => notFound(`no device ${mac}`);
const unknownTenantExtension = (number: string, field: string) => invalidInput(`${field}: ${unknownExtensionReason(number, "this device's tenant")}`);

// Reads whether the MAC is taken, then inserts: serializable on PostgreSQL (the default), so two
// creates of one MAC cannot both pass the check (docs/scale-out.md#transactions).
export function createDevice(deps: ServiceDeps, input: DeviceInput): Promise<DeviceRow> {
  const mac = requireMac(input.mac);
  const vendor = resolveVendor(mac, input.vendor);
  const model = resolveModel(vendor, input.model);
  const expansionModules = requireModules(model, input.expansionModules ?? 0, "expansionModules");
  const now = deps.clock().getTime();
  return deps.data.write(async (q) => {
    const { devices, discoveredDevices } = q.t;
    const tenant = await loadTenant(q, input.tenant);
    const existing = first(await q.db.select({ id: devices.id, tenantId: devices.tenantId }).from(devices).where(eq(devices.mac, mac)).limit(1));
    if (existing) throw conflict(`mac: device ${mac} already exists${existing.tenantId === tenant.id ? "" : " in another tenant"}`);
    const [row] = await q.db
      .insert(devices)
      .values({
        mac,
        vendor,
        model: model.id,
        tenantId: tenant.id,
        label: input.label,
        expansionModules,
        ...newDeviceSecrets(deps, mac),
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await q.db.delete(discoveredDevices).where(eq(discoveredDevices.mac, mac));
    await issueEventSecretIn(q, deps.secrets, row!.id, now);
    await auditChangeIn(q, deps, { action: "device.create", target: `device:${mac}`, tenantId: tenant.id, mac, after: row! });
    return row!;
  });
}

export async function findDevice(q: Query, mac: Mac): Promise<DeviceRow | undefined> {
  return first(await q.db.select().from(q.t.devices).where(eq(q.t.devices.mac, mac)).limit(1));
}

/** getDevice in the caller's `data.read` or `data.write`: the device, or 404. */
export async function loadDevice(q: Query, macInput: string): Promise<DeviceRow> {
  const mac = requireMac(macInput);
  const row = await findDevice(q, mac);
  if (!row) throw noDevice(mac);
  return row;
}

export function getDevice(deps: ServiceDeps, macInput: string): Promise<DeviceRow> {
  return deps.data.read((q) => loadDevice(q, macInput));
}

export function listDevices(deps: ServiceDeps, tenantName?: string): Promise<DeviceRow[]> {
  return deps.data.read(async (q) => {
    const { devices } = q.t;
    if (tenantName === undefined) return q.db.select().from(devices).orderBy(asc(devices.mac));
    const tenant = await loadTenant(q, tenantName);
    return q.db.select().from(devices).where(eq(devices.tenantId, tenant.id)).orderBy(asc(devices.mac));
  });
}

// Reads the lines and keys the new model must hold, then writes: serializable on PostgreSQL (the
// default), so a line or key added meanwhile cannot slip past the check.
export function updateDevice(deps: ServiceDeps, macInput: string, patch: DevicePatch): Promise<DeviceRow> {
  return deps.data.write(async (q) => {
    const { devices, deviceLines, deviceKeys } = q.t;
    const device = await loadDevice(q, macInput);
    const model = patch.model === undefined ? modelOf(device) : resolveModel(device.vendor, patch.model);
    const lines = await q.db.select().from(deviceLines).where(eq(deviceLines.deviceId, device.id));
    const keys = await q.db.select().from(deviceKeys).where(eq(deviceKeys.deviceId, device.id));
    const tooHighLine = lines.find((l) => lineIndexProblem(model, l.lineIndex));
    if (tooHighLine) throw invalidInput(`model: ${model.id} has ${model.lines} line(s) but line ${tooHighLine.lineIndex} is assigned`);
    const field = patch.expansionModules !== undefined && patch.model === undefined ? "expansionModules" : "model";
    const expansionModules = requireModules(model, patch.expansionModules ?? device.expansionModules, field);
    const limits = keyLimits(model, expansionModules);
    const tooHighKey = keys.find((k) => keyProblem(limits, { index: k.keyIndex, line: 1 }));
    if (tooHighKey) throw invalidInput(`${field}: ${capacityText(limits)} but key ${tooHighKey.keyIndex} is set`);
    const [after] = await q.db
      .update(devices)
      .set({
        model: model.id,
        expansionModules,
        ...(patch.label !== undefined ? { label: patch.label } : {}),
        updatedAt: deps.clock().getTime(),
      })
      .where(eq(devices.id, device.id))
      .returning();
    // A key layout or group keys must still fit the new model's keys and modules.
    await assertKeysFit(q, [device.id], field);
    await auditChangeIn(q, deps, { action: "device.update", target: `device:${device.mac}`, tenantId: device.tenantId, mac: device.mac, before: device, after: after! });
    return after!;
  });
}

export function deleteDevice(deps: ServiceDeps, macInput: string): Promise<void> {
  return deps.data.write(async (q) => {
    const device = await loadDevice(q, macInput);
    await q.db.delete(q.t.devices).where(eq(q.t.devices.id, device.id));
    await auditChangeIn(q, deps, { action: "device.delete", target: `device:${device.mac}`, tenantId: device.tenantId, mac: device.mac, before: device });
  });
}

export interface DeviceCredentials {
  readonly username: string;
  readonly password: string;
  readonly adminPassword: string;
}

export function deviceCredentials(deps: Pick<ServiceDeps, "secrets">, device: DeviceRow): DeviceCredentials {
  return {
    username: device.provUsername,
    password: deps.secrets.open(device.provPasswordEnc),
    adminPassword: deps.secrets.open(device.adminPasswordEnc),
  };
}

/** An extension of a tenant by number, or undefined. */
export async function findTenantExtension(q: Query, tenantId: number, number: string): Promise<ExtensionRow | undefined> {
  const { extensions } = q.t;
  return first(await q.db.select().from(extensions).where(and(eq(extensions.tenantId, tenantId), eq(extensions.number, number))).limit(1));
}

/** Looks up an extension of the device's tenant by number, with a message naming the tenant. */
export async function tenantExtension(q: Query, tenantId: number, number: string, field: string): Promise<ExtensionRow> {
  const ext = await findTenantExtension(q, tenantId, number);
  if (!ext) throw unknownTenantExtension(number, field);
  return ext;
}
