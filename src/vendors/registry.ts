import { VENDOR_IDS, type VendorId } from "../domain/phone-config.ts";
import { grandstream } from "./grandstream/index.ts";
import { polycom } from "./polycom/index.ts";
import { yealink } from "./yealink/index.ts";
import type { Vendor } from "./vendor.ts";

/**
 * Every vendor adapter, one line each. Adding a vendor: its folder under src/vendors/<id>/, its
 * id in VENDOR_IDS (src/domain/phone-config.ts) and its line here; the compiler refuses one
 * without the other. Everything else (schema values, NOTIFY events, encryption, event reports)
 * is asked of the adapter.
 */
export const vendors = { yealink, polycom, grandstream } satisfies Record<VendorId, Vendor>;

export { VENDOR_IDS };
export const VENDOR_LIST: readonly Vendor[] = VENDOR_IDS.map((id) => vendors[id]);

export function isVendorId(value: string): value is VendorId {
  return Object.hasOwn(vendors, value);
}

