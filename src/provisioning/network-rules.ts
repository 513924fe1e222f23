import { BlockList } from "node:net";
import { normalizeAddress, parseCidr } from "../domain/validation.ts";

/** True when `address` lies in one of `cidrs` (already validated on input; bad entries are skipped). */
export function inNetworks(address: string, cidrs: readonly string[]): boolean {
  if (cidrs.length === 0) return false;
  const list = new BlockList();
  for (const text of cidrs) {
    const c = parseCidr(text);
    if (c) list.addSubnet(c.address, c.prefix, c.family);
  }
  const a = normalizeAddress(address);
  try {
    return list.check(a, a.includes(":") ? "ipv6" : "ipv4");
  } catch {
    return false;
  }
}

/** The first of `cidrs` that contains `address` (for the audit trail), or null. */
export function matchingNetwork(address: string, cidrs: readonly string[]): string | null {
  return cidrs.find((c) => inNetworks(address, [c])) ?? null;
}
