import { grandstream } from "./grandstream/index.ts";
import { polycom } from "./polycom/index.ts";
import { yealink } from "./yealink/index.ts";
import type { Vendor, VendorId } from "./vendor.ts";

export const vendors = { yealink, polycom, grandstream } satisfies Record<VendorId, Vendor>;

export const VENDOR_IDS = Object.keys(vendors) as VendorId[];
export const VENDOR_LIST: readonly Vendor[] = Object.values(vendors);

export function isVendorId(value: string): value is VendorId {
  return Object.hasOwn(vendors, value);
}
