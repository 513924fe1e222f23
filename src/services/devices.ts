import { and, asc, eq } from "drizzle-orm";
import { writeTransaction, type Db } from "../db/client.ts";
import { deviceKeys, deviceLines, devices, discoveredDevices, extensions } from "../db/schema.ts";
import type { Mac } from "../domain/mac.ts";
import { conflict, invalidInput, notFound } from "../errors.ts";
import { randomPassword } from "../secrets.ts";
import { issueEventSecret } from "../registrations/event-secrets.ts";
import { capacityText, expansionModulesProblem, keyLimits } from "../vendors/key-capacity.ts";
import type { ModelInfo, VendorId } from "../vendors/vendor.ts";
import { auditChange } from "./actor.ts";
import type { ServiceDeps } from "./deps.ts";
import { checkMac, checkModel, checkVendor, lineIndexProblem, keyProblem, modelOf, orThrow, unknownExtensionReason } from "./device-rules.ts";
import type { DeviceInput, DevicePatch } from "./schemas.ts";
import { assertKeysFitSync } from "./key-checks-sync.ts";
import { getTenant } from "./tenants.ts";
import type { DeviceRow } from "../db/rows.ts";


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

export function createDevice(deps: ServiceDeps, input: DeviceInput): DeviceRow {
  const mac = requireMac(input.mac);
  const vendor = resolveVendor(mac, input.vendor);
  const model = resolveModel(vendor, input.model);
  const expansionModules = requireModules(model, input.expansionModules ?? 0, "expansionModules");
  const now = deps.clock().getTime();
  return writeTransaction(deps.db, (tx) => {
    const tenant = getTenant({ ...deps, db: tx }, input.tenant);
    const existing = tx.select({ id: devices.id, tenantId: devices.tenantId }).from(devices).where(eq(devices.mac, mac)).get();
    if (existing) throw conflict(`mac: device ${mac} already exists${existing.tenantId === tenant.id ? "" : " in another tenant"}`);
    const row = tx
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
      .returning()
      .get();
    tx.delete(discoveredDevices).where(eq(discoveredDevices.mac, mac)).run();
    issueEventSecret(tx, deps.secrets, row.id, now);
    auditChange(tx, deps, { action: "device.create", target: `device:${mac}`, tenantId: tenant.id, mac, after: row });
    return row;
  });
}

export function findDevice(db: Db, mac: Mac): DeviceRow | undefined {
  return db.select().from(devices).where(eq(devices.mac, mac)).get();
}

export function getDevice(deps: ServiceDeps, macInput: string): DeviceRow {
  const mac = requireMac(macInput);
  const row = findDevice(deps.db, mac);
  if (!row) throw notFound(`no device ${mac}`);
  return row;
}

export function listDevices(deps: ServiceDeps, tenantName?: string): DeviceRow[] {
  const q = deps.db.select().from(devices);
  if (tenantName === undefined) return q.orderBy(asc(devices.mac)).all();
  const tenant = getTenant(deps, tenantName);
  return q.where(eq(devices.tenantId, tenant.id)).orderBy(asc(devices.mac)).all();
}

export function updateDevice(deps: ServiceDeps, macInput: string, patch: DevicePatch): DeviceRow {
  return writeTransaction(deps.db, (tx) => {
    const device = getDevice({ ...deps, db: tx }, macInput);
    const model = patch.model === undefined ? modelOf(device) : resolveModel(device.vendor, patch.model);
    const lines = tx.select().from(deviceLines).where(eq(deviceLines.deviceId, device.id)).all();
    const keys = tx.select().from(deviceKeys).where(eq(deviceKeys.deviceId, device.id)).all();
    const tooHighLine = lines.find((l) => lineIndexProblem(model, l.lineIndex));
    if (tooHighLine) throw invalidInput(`model: ${model.id} has ${model.lines} line(s) but line ${tooHighLine.lineIndex} is assigned`);
    const field = patch.expansionModules !== undefined && patch.model === undefined ? "expansionModules" : "model";
    const expansionModules = requireModules(model, patch.expansionModules ?? device.expansionModules, field);
    const limits = keyLimits(model, expansionModules);
    const tooHighKey = keys.find((k) => keyProblem(limits, { index: k.keyIndex, line: 1 }));
    if (tooHighKey) throw invalidInput(`${field}: ${capacityText(limits)} but key ${tooHighKey.keyIndex} is set`);
    const after = tx
      .update(devices)
      .set({
        model: model.id,
        expansionModules,
        ...(patch.label !== undefined ? { label: patch.label } : {}),
        updatedAt: deps.clock().getTime(),
      })
      .where(eq(devices.id, device.id))
      .returning()
      .get();
    // A key layout or group keys must still fit the new model's keys and modules.
    assertKeysFitSync(tx, [device.id], field);
    auditChange(tx, deps, { action: "device.update", target: `device:${device.mac}`, tenantId: device.tenantId, mac: device.mac, before: device, after });
    return after;
  });
}

export function deleteDevice(deps: ServiceDeps, macInput: string): void {
  writeTransaction(deps.db, (tx) => {
    const device = getDevice({ ...deps, db: tx }, macInput);
    tx.delete(devices).where(eq(devices.id, device.id)).run();
    auditChange(tx, deps, { action: "device.delete", target: `device:${device.mac}`, tenantId: device.tenantId, mac: device.mac, before: device });
  });
}

export interface DeviceCredentials {
  readonly username: string;
  readonly password: string;
  readonly adminPassword: string;
}

export function deviceCredentials(deps: ServiceDeps, device: DeviceRow): DeviceCredentials {
  return {
    username: device.provUsername,
    password: deps.secrets.open(device.provPasswordEnc),
    adminPassword: deps.secrets.open(device.adminPasswordEnc),
  };
}

/** Looks up an extension of the device's tenant by number, with a message naming the tenant. */
export function tenantExtension(db: Db, tenantId: number, number: string, field: string): typeof extensions.$inferSelect {
  const ext = db
    .select()
    .from(extensions)
    .where(and(eq(extensions.tenantId, tenantId), eq(extensions.number, number)))
    .get();
  if (!ext) throw invalidInput(`${field}: ${unknownExtensionReason(number, "this device's tenant")}`);
  return ext;
}
