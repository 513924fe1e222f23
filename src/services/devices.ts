import { and, asc, eq } from "drizzle-orm";
import { writeTransaction, type Db } from "../db/client.ts";
import { deviceKeys, deviceLines, devices, discoveredDevices, extensions } from "../db/schema.ts";
import { ouiOf, parseMac, type Mac } from "../domain/mac.ts";
import { conflict, invalidInput, notFound } from "../errors.ts";
import { randomPassword } from "../secrets.ts";
import { isVendorId, VENDOR_IDS, VENDOR_LIST, vendors } from "../vendors/registry.ts";
import type { ModelInfo, VendorId } from "../vendors/vendor.ts";
import type { ServiceDeps } from "./deps.ts";
import type { DeviceInput, DevicePatch } from "./schemas.ts";
import { assertKeysFit } from "./key-checks.ts";
import { getTenant } from "./tenants.ts";

export type DeviceRow = typeof devices.$inferSelect;

export function requireMac(input: string): Mac {
  const mac = parseMac(input);
  if (!mac) {
    throw invalidInput(`mac: "${input.slice(0, 40)}" is not a MAC address (12 hex digits, e.g. 80:5e:c0:a1:b2:c3 or 805ec0a1b2c3)`);
  }
  return mac;
}

export function vendorForOui(mac: Mac): VendorId | null {
  return VENDOR_LIST.find((v) => v.ouis.includes(ouiOf(mac)))?.id ?? null;
}

export function resolveVendor(mac: Mac, vendor: string | undefined): VendorId {
  if (vendor !== undefined && vendor !== "") {
    const v = vendor.toLowerCase();
    if (!isVendorId(v)) throw invalidInput(`vendor: unknown vendor "${vendor.slice(0, 32)}" (known: ${VENDOR_IDS.join(", ")})`);
    return v;
  }
  const byOui = vendorForOui(mac);
  if (!byOui) throw invalidInput(`vendor: the OUI ${ouiOf(mac)} of ${mac} is no known vendor's; give the vendor`);
  return byOui;
}

export function resolveModel(vendor: VendorId, model: string): ModelInfo {
  const models = Object.values(vendors[vendor].models);
  const found = models.find((m) => m.id.toLowerCase() === model.replace(/[\s_-]/g, "").toLowerCase());
  if (!found) {
    throw invalidInput(`model: unknown ${vendor} model "${model.slice(0, 32)}" (known: ${models.map((m) => m.id).join(", ")})`);
  }
  return found;
}

export function modelOf(device: Pick<DeviceRow, "vendor" | "model">): ModelInfo {
  return resolveModel(device.vendor, device.model);
}

export function createDevice(deps: ServiceDeps, input: DeviceInput): DeviceRow {
  const mac = requireMac(input.mac);
  const vendor = resolveVendor(mac, input.vendor);
  const model = resolveModel(vendor, input.model);
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
        provUsername: mac,
        provPasswordEnc: deps.secrets.seal(randomPassword()),
        adminPasswordEnc: deps.secrets.seal(randomPassword(16)),
        createdAt: now,
        updatedAt: now,
      })
      .returning()
      .get();
    tx.delete(discoveredDevices).where(eq(discoveredDevices.mac, mac)).run();
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
    const tooHighLine = lines.find((l) => l.lineIndex > model.lines);
    if (tooHighLine) throw invalidInput(`model: ${model.id} has ${model.lines} line(s) but line ${tooHighLine.lineIndex} is assigned`);
    const tooHighKey = keys.find((k) => k.keyIndex > model.keys);
    if (tooHighKey) throw invalidInput(`model: ${model.id} has ${model.keys} key(s) but key ${tooHighKey.keyIndex} is set`);
    const row = tx
      .update(devices)
      .set({
        model: model.id,
        ...(patch.label !== undefined ? { label: patch.label } : {}),
        updatedAt: deps.clock().getTime(),
      })
      .where(eq(devices.id, device.id))
      .returning()
      .get();
    // A key layout or group keys must still fit the new model's keys.
    assertKeysFit(tx, [device.id], "model");
    return row;
  });
}

export function deleteDevice(deps: ServiceDeps, macInput: string): void {
  writeTransaction(deps.db, (tx) => {
    const device = getDevice({ ...deps, db: tx }, macInput);
    tx.delete(devices).where(eq(devices.id, device.id)).run();
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
  if (!ext) throw invalidInput(`${field}: extension ${number} does not exist in this device's tenant`);
  return ext;
}
