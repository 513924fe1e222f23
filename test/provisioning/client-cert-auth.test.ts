import { describe, expect, it } from "vitest";
import type { ClientCertificate } from "../../src/domain/provisioning-request.ts";
import { certificateMac, certificateOpens } from "../../src/provisioning/client-cert-auth.ts";

const cert = (names: string[], verified = true): ClientCertificate => ({
  verified,
  failure: verified ? null : "CERT_HAS_EXPIRED",
  subject: names.join(", "),
  issuer: "CN=Vendor Root CA",
  serial: "01",
  names,
});

describe("client certificate MAC binding", () => {
  it("finds the MAC in a subject attribute or subjectAltName, in any notation", () => {
    expect(certificateMac(cert(["Polycom", "0004F2AB12CD"]))).toBe("0004f2ab12cd");
    // Ambiguous: a hex serial that reads as a MAC next to the MAC (Cisco MPP's L= and S=) is refused,
    // not guessed; Cisco is not a supported vendor, so no attribute-specific parsing yet.
    expect(certificateMac(cert(["CP-8841-3PCC", "88012BA01234", "00:0e:08:ab:cd:ef"]))).toBe(null);
    expect(certificateMac(cert(["Vendor", "SEP000e08abcdef"]))).toBe("000e08abcdef");
  });

  it("refuses generic (no MAC) and shared (several MACs) certificates", () => {
    expect(certificateOpens(cert(["Yealink", "Yealink generic certificate"]), "805ec0000101")).toBe(false);
    expect(certificateOpens(cert(["805ec0000101", "805ec0000102"]), "805ec0000101")).toBe(false);
  });

  it("opens only the named MAC, and only when verified", () => {
    expect(certificateOpens(cert(["805ec0000101"]), "805ec0000101")).toBe(true);
    expect(certificateOpens(cert(["805ec0000101"]), "805ec0000102")).toBe(false);
    expect(certificateOpens(cert(["805ec0000101"], false), "805ec0000101")).toBe(false);
    expect(certificateOpens(undefined, "805ec0000101")).toBe(false);
  });
});
