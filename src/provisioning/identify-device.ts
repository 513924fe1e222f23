import type { Logger } from "pino";
import type { ProvisioningRequest } from "../domain/provisioning-request.ts";
import { SUPPORT_RANK, type Identification, type Vendor } from "../vendors/vendor.ts";

/**
 * Answers kept per vendor list, by source address, file name and User-Agent: a phone asking for
 * the same file again (a boot storm's retries, a resync) costs a Map lookup instead of every
 * vendor's parsing (about 6 us). The source address is part of the key, so an answer kept for one
 * client is never another's: whether a file name was asked for before, by a phone or by anyone,
 * cannot be told from the time a request takes. Bounded: at most MAX_KEPT answers, keys of at most
 * MAX_KEY characters (a long User-Agent is identified every time), and the whole memo starts again
 * when full.
 */
const kept = new WeakMap<readonly Vendor[], Map<string, Identification | null>>();
const MAX_KEPT = 20_000;
const MAX_KEY = 320;

/**
 * Asks every vendor and keeps the best-scored identification that names a file this server
 * serves; a vendor that throws is logged (`logger`) and counted as no answer.
 * Vendors look at the file name and the User-Agent only (Vendor.identify), so an answer is kept
 * for the same request from the same address; an answer a vendor threw on is never kept.
 */
export function identifyRequest(req: ProvisioningRequest, vendorList: readonly Vendor[], logger?: Pick<Logger, "warn">): Identification | null {
  const key = `${req.remoteAddress}\u0000${req.fileName}\u0000${req.userAgent ?? ""}`;
  let memo = kept.get(vendorList);
  const hit = key.length <= MAX_KEY ? memo?.get(key) : undefined;
  if (hit !== undefined) return hit;
  let best: Identification | null = null;
  let threw = false;
  for (const vendor of vendorList) {
    let id: Identification | null;
    try {
      id = vendor.identify(req);
    } catch (error) {
      logger?.warn({ vendor: vendor.id, err: error }, "vendor identify failed");
      threw = true;
      continue;
    }
    if (!id?.file) continue;
    if (!best || SUPPORT_RANK[id.support] > SUPPORT_RANK[best.support]) best = id;
  }
  if (!threw && key.length <= MAX_KEY) {
    if (!memo) kept.set(vendorList, (memo = new Map()));
    if (memo.size >= MAX_KEPT) memo.clear();
    memo.set(key, best);
  }
  return best;
}


/**
 * The identification `vendor` itself gives for the request, when it serves the file: used once the
 * device is found, because a known phone's record decides its vendor and the OUI only speaks for
 * unknown phones (`<mac>.cfg` is both Yealink's and Polycom's name).
 */
export function identifyAs(req: ProvisioningRequest, vendor: Vendor): Identification | null {
  try {
    const id = vendor.identify(req);
    return id?.file ? id : null;
  } catch {
    return null;
  }
}
