import { createCipheriv, createHash, randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { first, type Query } from "../db/data.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { randomPassword, type SecretBox } from "../secrets.ts";
import type { Vendor } from "../vendors/vendor.ts";

/**
 * Per-device config encryption (issue 7, reference/vendors.md Y7 G7 P7).
 *
 * Grandstream: the XML file in OpenSSL's `enc -aes-256-cbc -k <password>` format (`Salted__`, an
 * 8-byte salt, key and IV from EVP_BytesToKey), the password being the device's own P1359. The
 * key travels only inside the plaintext file served over HTTPS (TLS-protected, authenticated by
 * Digest or client certificate); over plain HTTP the file is served encrypted. The digest of
 * EVP_BytesToKey is MD5 by default: Grandstream's guide dates from OpenSSL 0.9/1.0, whose `enc`
 * used MD5 (OpenSSL 1.1 switched to SHA-256); `configEncryptionDigest` selects it.
 *
 * Which vendors encrypt is the adapter's `encryptsConfigs`; Yealink (Y7) and Polycom (P7) do not:
 * see docs/security.md for why.
 */
export type EncryptionDigest = "md5" | "sha256";

/** True when the device's vendor takes encrypted config files (Vendor.encryptsConfigs). */
export function deviceEncrypts(vendors: readonly Vendor[], device: { readonly vendor: string }): boolean {
  return vendors.find((v) => v.id === device.vendor)?.encryptsConfigs === true;
}

/** OpenSSL's EVP_BytesToKey with one iteration: key and IV from password and salt. */
function bytesToKey(password: Buffer, salt: Buffer, digest: EncryptionDigest): { key: Buffer; iv: Buffer } {
  let block = Buffer.alloc(0);
  let out = Buffer.alloc(0);
  while (out.length < 48) {
    block = createHash(digest).update(Buffer.concat([block, password, salt])).digest();
    out = Buffer.concat([out, block]);
  }
  return { key: out.subarray(0, 32), iv: out.subarray(32, 48) };
}

/** Exactly what `openssl enc -aes-256-cbc -md <digest> -k <password>` writes (binary, not base64). */
export function opensslEncrypt(plain: Buffer, password: string, digest: EncryptionDigest, salt: Buffer = randomBytes(8)): Buffer {
  const { key, iv } = bytesToKey(Buffer.from(password, "utf8"), salt, digest);
  const cipher = createCipheriv("aes-256-cbc", key, iv);
  return Buffer.concat([Buffer.from("Salted__", "latin1"), salt, cipher.update(plain), cipher.final()]);
}

/** The device's config password in the read or write `q`, or null when it has none yet. */
export async function readConfigKeyIn(q: Query, secrets: SecretBox, deviceId: number): Promise<string | null> {
  const { deviceConfigKeys: k } = q.t;
  const row = first(await q.db.select({ keyEnc: k.keyEnc }).from(k).where(eq(k.deviceId, deviceId)).limit(1));
  return row ? secrets.open(row.keyEnc) : null;
}

/** A new config password's row, for both writers below. */
const newConfigKey = (deps: Pick<ServiceDeps, "secrets" | "clock">, deviceId: number) => ({ deviceId, keyEnc: deps.secrets.seal(randomPassword(32)), createdAt: deps.clock().getTime() });

/**
 * Creates the device's config password on first need (once per device: a write on the fetch path).
 * Two nodes creating it at once both insert-or-nothing: the first commit wins and both serve it.
 * One statement at READ COMMITTED: the primary key settles the race.
 */
export async function ensureConfigKey(deps: ServiceDeps, deviceId: number): Promise<void> {
  if ((await deps.data.read((q) => readConfigKeyIn(q, deps.secrets, deviceId))) !== null) return;
  await deps.data.write(
    async (q) => {
      await q.db.insert(q.t.deviceConfigKeys).values(newConfigKey(deps, deviceId)).onConflictDoNothing();
    },
    { isolation: "read committed" },
  );
}

/**
 * ensureConfigKey then readConfigKeyIn (`GET /devices/{mac}/config-key`):
 * the device's config password, created on first need. The creation is one self-locking insert
 * that leaves a password another request created first in place: read committed.
 */
export async function deviceConfigKey(deps: ServiceDeps, deviceId: number): Promise<string> {
  await ensureConfigKey(deps, deviceId);
  return (await deps.data.read((q) => readConfigKeyIn(q, deps.secrets, deviceId)))!;
}
