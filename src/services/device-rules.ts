import { ouiOf, parseMac, type Mac } from "../domain/mac.ts";
import { invalidInput } from "../errors.ts";
import { isVendorId, VENDOR_IDS, VENDOR_LIST, vendors } from "../vendors/registry.ts";
import { capacityText, keyLimits, type KeyLimits } from "../vendors/key-capacity.ts";
import type { ModelInfo, VendorId } from "../vendors/vendor.ts";
import type { DeviceRow } from "../db/rows.ts";

/**
 * The device rules as pure checks: each returns the value or a reason (no field name, no throw).
 * The admin API wraps them with `orThrow` (one error naming the field); the bulk import collects the
 * reasons per row and column. One wording for both, so a reason reads the same everywhere.
 */
export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const no = <T>(reason: string): Checked<T> => ({ ok: false, reason });

/** Unwraps a check or throws 400 with `field: reason`. */
export function orThrow<T>(checked: Checked<T>, field: string): T {
  if (!checked.ok) throw invalidInput(`${field}: ${checked.reason}`);
  return checked.value;
}

export function checkMac(input: string): Checked<Mac> {
  const mac = parseMac(input);
  return mac ? ok(mac) : no(`"${input.slice(0, 40)}" is not a MAC address (12 hex digits, e.g. 80:5e:c0:a1:b2:c3 or 805ec0a1b2c3)`);
}

function vendorForOui(mac: Mac): VendorId | null {
  return VENDOR_LIST.find((v) => v.ouis.includes(ouiOf(mac)))?.id ?? null;
}

/** The vendor given, or the one the MAC's OUI belongs to when none is given. */
export function checkVendor(mac: Mac, vendor: string | undefined): Checked<VendorId> {
  if (vendor !== undefined && vendor !== "") {
    const v = vendor.toLowerCase();
    return isVendorId(v) ? ok(v) : no(`unknown vendor "${vendor.slice(0, 32)}" (known: ${VENDOR_IDS.join(", ")})`);
  }
  const byOui = vendorForOui(mac);
  return byOui ? ok(byOui) : no(`the OUI ${ouiOf(mac)} of ${mac} is no known vendor's; give the vendor`);
}

const modelKey = (model: string) => model.replace(/[\s_-]/g, "").toLowerCase();

export function checkModel(vendor: VendorId, model: string): Checked<ModelInfo> {
  const models = Object.values(vendors[vendor].models);
  const found = models.find((m) => m.id.toLowerCase() === modelKey(model));
  return found ? ok(found) : no(`unknown ${vendor} model "${model.slice(0, 32)}" (known: ${models.map((m) => m.id).join(", ")})`);
}

/** A stored device's model (its vendor and model were checked when written). */
export function modelOf(device: Pick<DeviceRow, "vendor" | "model">): ModelInfo {
  return orThrow(checkModel(device.vendor, device.model), "model");
}

/** The phone's key capacity: its model's own keys plus the expansion modules attached to it. */
export function keyLimitsOf(device: Pick<DeviceRow, "vendor" | "model" | "expansionModules">): KeyLimits {
  return keyLimits(modelOf(device), device.expansionModules);
}

/** Null when line `index` exists on the model. */
export function lineIndexProblem(model: ModelInfo, index: number): string | null {
  return index > model.lines ? `${model.id} has ${model.lines} line(s), not ${index}` : null;
}

/** Null when a key at `index` using account `line` fits the phone (its own keys plus its expansion modules). */
export function keyProblem(limits: KeyLimits, key: { index: number; line: number }): { field: "index" | "line"; reason: string } | null {
  if (key.index > limits.capacity) return { field: "index", reason: `${capacityText(limits)}, not ${key.index}` };
  if (key.line > limits.lines) return { field: "line", reason: `${limits.id} has ${limits.lines} line(s), not ${key.line}` };
  return null;
}

/** The index given twice in `indexes`, if any. */
export function firstDuplicate(indexes: readonly number[]): number | null {
  const seen = new Set<number>();
  for (const i of indexes) {
    if (seen.has(i)) return i;
    seen.add(i);
  }
  return null;
}

export const unknownExtensionReason = (number: string, where: string): string => `extension ${number} does not exist in ${where}`;
