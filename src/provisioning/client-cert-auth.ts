import type { ClientCertificate } from "../domain/provisioning-request.ts";
import { parseMac, type Mac } from "../domain/mac.ts";

/**
 * What a client certificate may open. The transport has already checked chain, validity and
 * revocation (`verified`). Here the certificate is bound to the device: it must name exactly one
 * MAC (subject attribute such as Polycom's CN, Cisco's `S=`, or a subjectAltName entry), and that
 * MAC must be the one in the request. A certificate naming no MAC is a generic vendor certificate
 * (Yealink ships one besides the per-device one, reference/vendors.md Y8) and one naming several is
 * shared: both are refused, since they would open every phone of the vendor.
 */
export function certificateMac(cert: ClientCertificate): Mac | null {
  const macs = new Set<Mac>();
  for (const name of cert.names) {
    const mac = parseMac(name.replace(/^(mac|sep)[:=]?/i, ""));
    if (mac) macs.add(mac);
  }
  return macs.size === 1 ? [...macs][0]! : null;
}

export function certificateOpens(cert: ClientCertificate | undefined, mac: string): boolean {
  return cert !== undefined && cert.verified && certificateMac(cert) === mac;
}
