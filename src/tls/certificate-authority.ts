import { generateKeyPairSync, randomBytes, X509Certificate } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";
import forge from "node-forge";
import { invalidInput } from "../errors.ts";
import { isHost } from "../domain/validation.ts";

/**
 * phonehome's private CA: `certs init` creates `ca.crt`/`ca.key` once and issues `server.crt`/
 * `server.key` signed by it. Running it again keeps the CA and reissues the server certificate, so
 * renewal needs no change on the phones (they trust the CA, not the server certificate).
 */
export interface CertsInitOptions {
  readonly certsDir: string;
  /** DNS names and IP addresses the server is reached by; empty = reuse those of the current server.crt. */
  readonly hostnames: readonly string[];
  readonly serverDays?: number;
  readonly now?: Date;
}

export interface CertsInitResult {
  readonly caCreated: boolean;
  readonly caFingerprint: string;
  readonly hostnames: readonly string[];
  readonly notAfter: string;
}

const CA_YEARS = 20;
// Apple/Chrome cap public server certificates at 398 days; phones do not care, but a year keeps renewal routine.
const DEFAULT_SERVER_DAYS = 397;

function newKeyPair(): { privatePem: string; publicKey: forge.pki.PublicKey } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" }).toString()),
  };
}

function baseCert(publicKey: forge.pki.PublicKey, notBefore: Date, notAfter: Date): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // Positive 16-byte serial (RFC 5280: unique per CA, at most 20 octets, non-negative).
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  cert.serialNumber = serial.toString("hex");
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  return cert;
}

function writeSecret(path: string, content: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

function writePublic(path: string, content: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, content, { mode: 0o644 });
  renameSync(tmp, path);
}

function createCa(dir: string, now: Date): void {
  const keys = newKeyPair();
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CA_YEARS);
  const cert = baseCert(keys.publicKey, new Date(now.getTime() - 3_600_000), notAfter);
  const name = [{ name: "commonName", value: "phonehome provisioning CA" }, { name: "organizationName", value: "phonehome" }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.privatePem), forge.md.sha256.create());
  writeSecret(join(dir, "ca.key"), keys.privatePem);
  writePublic(join(dir, "ca.crt"), forge.pki.certificateToPem(cert));
}

/** DNS names and IP addresses in the subjectAltName of an existing server certificate. */
function serverCertHostnames(pem: string): string[] {
  const san = new X509Certificate(pem).subjectAltName ?? "";
  return san
    .split(/,\s*/)
    .map((entry) => /^(DNS|IP Address):(.+)$/.exec(entry.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => m[2]!);
}

function validateHostnames(names: readonly string[]): string[] {
  const unique = [...new Set(names.map((n) => n.trim().toLowerCase()))];
  if (unique.length === 0) throw invalidInput("--hostname is required (the DNS name or IP address phones use to reach phonehome)");
  for (const n of unique) if (!isHost(n)) throw invalidInput(`--hostname "${n}" is neither a DNS name nor an IP address`);
  return unique;
}

function issueServerCert(dir: string, hostnames: readonly string[], days: number, now: Date): forge.pki.Certificate {
  const caCert = forge.pki.certificateFromPem(readFileSync(join(dir, "ca.crt"), "utf8"));
  const caKey = forge.pki.privateKeyFromPem(readFileSync(join(dir, "ca.key"), "utf8"));
  const keys = newKeyPair();
  const cert = baseCert(keys.publicKey, new Date(now.getTime() - 3_600_000), new Date(now.getTime() + days * 86_400_000));
  cert.setSubject([{ name: "commonName", value: hostnames[0]! }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    { name: "subjectAltName", altNames: hostnames.map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h })) },
    { name: "authorityKeyIdentifier", keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  writeSecret(join(dir, "server.key"), keys.privatePem);
  writePublic(join(dir, "server.crt"), forge.pki.certificateToPem(cert));
  return cert;
}

/** Creates the CA when missing, then (re)issues the server certificate. */
export function initCerts(options: CertsInitOptions): CertsInitResult {
  const dir = options.certsDir;
  const now = options.now ?? new Date();
  const days = options.serverDays ?? DEFAULT_SERVER_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw invalidInput("--days must be a whole number of days from 1 to 3650");
  const current = join(dir, "server.crt");
  const names = options.hostnames.length || !existsSync(current) ? options.hostnames : serverCertHostnames(readFileSync(current, "utf8"));
  const hostnames = validateHostnames(names);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caCreated = !existsSync(join(dir, "ca.crt"));
  if (caCreated) createCa(dir, now);
  else if (!existsSync(join(dir, "ca.key"))) throw invalidInput(`${dir}/ca.crt exists but ca.key does not: cannot sign a server certificate`);
  const cert = issueServerCert(dir, hostnames, days, now);
  const ca = new X509Certificate(readFileSync(join(dir, "ca.crt")));
  return { caCreated, caFingerprint: ca.fingerprint256, hostnames, notAfter: cert.validity.notAfter.toISOString() };
}
