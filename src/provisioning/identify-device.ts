import type { ProvisioningRequest } from "../domain/provisioning-request.ts";
import { SUPPORT_RANK, type Identification, type Vendor } from "../vendors/vendor.ts";

/**
 * Asks every vendor and keeps the best-scored identification that names a file this server
 * serves; a vendor that throws is logged by the caller's `onError` and counted as no answer.
 */
export function identifyRequest(
  req: ProvisioningRequest,
  vendorList: readonly Vendor[],
  onError: (vendor: Vendor, error: unknown) => void = () => {},
): Identification | null {
  let best: Identification | null = null;
  for (const vendor of vendorList) {
    let id: Identification | null;
    try {
      id = vendor.identify(req);
    } catch (error) {
      onError(vendor, error);
      continue;
    }
    if (!id?.file) continue;
    if (!best || SUPPORT_RANK[id.support] > SUPPORT_RANK[best.support]) best = id;
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
