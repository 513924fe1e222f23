import type { KeyKind } from "../domain/phone-config.ts";
import type { ModelInfo, Vendor } from "../vendors/vendor.ts";

/**
 * Warnings (the write stands) for keys of a device that its vendor writes as an empty key: the
 * vendor's `unrenderedKey` (a Polycom park key is written `Unassigned`, src/vendors/polycom/keys.ts;
 * a Grandstream line key on an MPK or a GXP21xx dynamic VPK is written `None`,
 * src/vendors/grandstream/keys.ts). Returned with the line-key warnings, in the `warnings` field of
 * the admin API answers that change keys, lines or layouts (docs/api.md, "Line keys").
 */
export function unrenderedKeyWarnings(
  mac: string,
  vendor: Pick<Vendor, "displayName" | "unrenderedKey">,
  model: ModelInfo,
  keys: readonly { readonly index: number; readonly kind: KeyKind }[],
): string[] {
  const why = vendor.unrenderedKey;
  if (!why) return [];
  return keys.flatMap((key) => {
    const reason = why(model, key);
    return reason ? [`device ${mac}: key ${key.index} (${key.kind}) is rendered as an empty key on ${vendor.displayName}: ${reason}; remove the key or give it another kind`] : [];
  });
}
