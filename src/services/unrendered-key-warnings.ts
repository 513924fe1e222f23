import type { KeyKind } from "../domain/phone-config.ts";
import type { Vendor } from "../vendors/vendor.ts";

/**
 * Warnings (the write stands) for keys of a device that its vendor renders as an empty key: the
 * vendor's `unrenderedKeys` (a Polycom park key is written `Unassigned`, src/vendors/polycom/keys.ts).
 * Returned with the line-key warnings, in the `warnings` field of the admin API answers that change
 * keys, lines or layouts (docs/api.md, "Line keys").
 */
export function unrenderedKeyWarnings(mac: string, vendor: Pick<Vendor, "displayName" | "unrenderedKeys">, keys: readonly { readonly index: number; readonly kind: KeyKind }[]): string[] {
  const unrendered = vendor.unrenderedKeys;
  if (!unrendered) return [];
  const out: string[] = [];
  for (const key of keys) {
    const why = Object.hasOwn(unrendered, key.kind) ? unrendered[key.kind] : undefined;
    if (!why) continue;
    out.push(`device ${mac}: key ${key.index} (${key.kind}) is rendered as an empty key on ${vendor.displayName}: ${why}; remove the key or give it another kind`);
  }
  return out;
}
