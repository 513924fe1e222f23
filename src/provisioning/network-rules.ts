import { BlockList } from "node:net";
import { normalizeAddress, parseCidr } from "../domain/validation.ts";

/**
 * One BlockList per CIDR, built once: every device fetch of a tenant with network rules checks its
 * source against them, and building the list on each check cost more than the check (CPU profile
 * of `bench:storm`, docs/benchmarks.md), and so did checking (a SocketAddress per check): both are
 * kept, bounded (a CIDR and an address are plain facts, no state can make an answer stale). A CIDR
 * that does not parse maps to null.
 */
const lists = new Map<string, BlockList | null>();
const MAX_LISTS = 10_000;

function listOf(cidr: string): BlockList | null {
  let list = lists.get(cidr);
  if (list === undefined) {
    const c = parseCidr(cidr);
    list = null;
    if (c) {
      list = new BlockList();
      list.addSubnet(c.address, c.prefix, c.family);
    }
    if (lists.size >= MAX_LISTS) lists.clear();
    lists.set(cidr, list);
  }
  return list;
}

/** Answers per CIDR and address: BlockList.check builds a SocketAddress on every call. */
const answers = new Map<string, boolean>();
const MAX_ANSWERS = 100_000;

function contains(cidr: string, address: string, family: "ipv4" | "ipv6"): boolean {
  const key = `${cidr} ${address}`;
  let inside = answers.get(key);
  if (inside === undefined) {
    const list = listOf(cidr);
    try {
      inside = list ? list.check(address, family) : false;
    } catch {
      inside = false;
    }
    if (answers.size >= MAX_ANSWERS) answers.clear();
    answers.set(key, inside);
  }
  return inside;
}

const familyOf = (address: string): "ipv4" | "ipv6" => (address.includes(":") ? "ipv6" : "ipv4");

/** True when `address` lies in one of `cidrs` (already validated on input; bad entries are skipped). */
export function inNetworks(address: string, cidrs: readonly string[]): boolean {
  if (cidrs.length === 0) return false;
  const a = normalizeAddress(address);
  const family = familyOf(a);
  return cidrs.some((c) => contains(c, a, family));
}

/** The first of `cidrs` that contains `address` (for the audit trail), or null. */
export function matchingNetwork(address: string, cidrs: readonly string[]): string | null {
  if (cidrs.length === 0) return null;
  const a = normalizeAddress(address);
  const family = familyOf(a);
  return cidrs.find((c) => contains(c, a, family)) ?? null;
}
