import { verify, X509Certificate } from "node:crypto";
import forge from "node-forge";

/**
 * Certificate revocation lists, checked by phonehome itself rather than by OpenSSL: Node's `crl`
 * option turns on CRL checking for EVERY CA in the store (X509_V_FLAG_CRL_CHECK_ALL), so one CRL
 * for one vendor would make every other vendor's certificates fail. Here a CRL applies to the CA
 * whose key signed it; CAs without a CRL are not checked. The signature of each CRL is verified.
 */
export interface RevocationSet {
  /** issuer fingerprint256 (as Node prints it) -> revoked serials (uppercase hex, no leading zeros) */
  readonly byIssuer: ReadonlyMap<string, ReadonlySet<string>>;
}

const DIGEST_BY_OID: Readonly<Record<string, string>> = {
  "1.2.840.113549.1.1.5": "sha1",
  "1.2.840.113549.1.1.11": "sha256",
  "1.2.840.113549.1.1.12": "sha384",
  "1.2.840.113549.1.1.13": "sha512",
  "1.2.840.10045.4.3.2": "sha256",
  "1.2.840.10045.4.3.3": "sha384",
  "1.2.840.10045.4.3.4": "sha512",
};

export function normalizeSerial(hex: string): string {
  return hex.replace(/[^0-9a-f]/gi, "").toUpperCase().replace(/^0+(?=.)/, "");
}

interface ParsedCrl {
  readonly tbs: Buffer;
  readonly digest: string;
  readonly signature: Buffer;
  readonly serials: string[];
}

const isTime = (n: forge.asn1.Asn1) => n.type === forge.asn1.Type.UTCTIME || n.type === forge.asn1.Type.GENERALIZEDTIME;

function parseCrl(der: Buffer): ParsedCrl {
  const root = forge.asn1.fromDer(forge.util.createBuffer(der.toString("binary")));
  const [tbs, alg, sig] = root.value as forge.asn1.Asn1[];
  if (!tbs || !alg || !sig) throw new Error("not a CertificateList");
  const oid = forge.asn1.derToOid((alg.value as forge.asn1.Asn1[])[0]!.value as string);
  const digest = DIGEST_BY_OID[oid];
  if (!digest) throw new Error(`unsupported CRL signature algorithm ${oid}`);
  const parts = tbs.value as forge.asn1.Asn1[];
  // tbsCertList: version? signature issuer thisUpdate nextUpdate? revokedCertificates? [0]extensions?
  let i = parts[0]?.type === forge.asn1.Type.INTEGER ? 1 : 0;
  i += 3; // signature, issuer, thisUpdate
  if (parts[i] && isTime(parts[i]!)) i++;
  const revoked = parts[i] && parts[i]!.tagClass === forge.asn1.Class.UNIVERSAL && parts[i]!.type === forge.asn1.Type.SEQUENCE ? (parts[i]!.value as forge.asn1.Asn1[]) : [];
  const serials = revoked.map((entry) => normalizeSerial(forge.util.bytesToHex((entry.value as forge.asn1.Asn1[])[0]!.value as string)));
  // The signature BIT STRING starts with an "unused bits" byte.
  const sigBytes = Buffer.from(sig.value as string, "binary").subarray(1);
  return { tbs: Buffer.from(forge.asn1.toDer(tbs).getBytes(), "binary"), digest, signature: sigBytes, serials };
}

function pemBlocks(text: string, label: string): Buffer[] {
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, "g");
  return [...text.matchAll(re)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ""), "base64"));
}

/**
 * Builds the revocation set from PEM CRL files and the trusted client CAs. A CRL whose signature
 * matches none of the CAs is an error (a typo in the operator's setup must not pass silently).
 */
export function loadRevocations(crlPems: readonly string[], caPems: readonly string[]): RevocationSet {
  const cas = caPems.map((p) => new X509Certificate(p));
  const byIssuer = new Map<string, Set<string>>();
  for (const text of crlPems) {
    for (const der of pemBlocks(text, "X509 CRL")) {
      const crl = parseCrl(der);
      const issuer = cas.find((ca) => {
        try {
          return verify(crl.digest, crl.tbs, ca.publicKey, crl.signature);
        } catch {
          return false;
        }
      });
      if (!issuer) throw new Error("a CRL is not signed by any configured client CA");
      const set = byIssuer.get(issuer.fingerprint256) ?? new Set<string>();
      for (const s of crl.serials) set.add(s);
      byIssuer.set(issuer.fingerprint256, set);
    }
  }
  return { byIssuer };
}

export function isRevoked(set: RevocationSet, issuerFingerprint: string, serial: string): boolean {
  return set.byIssuer.get(issuerFingerprint)?.has(normalizeSerial(serial)) ?? false;
}

/** Every PEM certificate in a text (bundles hold several). */
export function splitCertificates(text: string): string[] {
  return pemBlocks(text, "CERTIFICATE").map((der) => `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/.{64}/g, "$&\n")}\n-----END CERTIFICATE-----\n`);
}
