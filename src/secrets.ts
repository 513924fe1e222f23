import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Encrypts secrets stored in the database (SIP, provisioning and phone admin passwords) with
 * AES-256-GCM under a key kept outside the database. Ciphertext: `v1.<keyId>.<iv>.<data>.<tag>`
 * (base64url parts); the key id lets a later rotation tell old rows from new ones.
 */
export interface SecretBox {
  readonly keyId: string;
  seal(plain: string): string;
  open(sealed: string): string;
  /**
   * A 32-byte key for one purpose, derived from the current key (HKDF-SHA256, RFC 5869, with the
   * purpose as `info`): the same on every node that holds the same key file, and telling nothing
   * about the key itself.
   */
  deriveKey(purpose: string): Buffer;
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error("the secret key must be 32 bytes");
  const keyId = createHash("sha256").update(key).digest("hex").slice(0, 8);
  return {
    keyId,
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const data = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return ["v1", keyId, iv.toString("base64url"), data.toString("base64url"), cipher.getAuthTag().toString("base64url")].join(".");
    },
    open(sealed) {
      const [version, id, iv, data, tag] = sealed.split(".");
      if (version !== "v1" || !iv || data === undefined || !tag) throw new Error("not a sealed secret");
      if (id !== keyId) throw new Error(`secret sealed with key ${id}, but the loaded key is ${keyId}`);
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString("utf8");
    },
    deriveKey: (purpose) => Buffer.from(hkdfSync("sha256", key, Buffer.alloc(0), `phonehome ${purpose}`, 32)),
  };
}

/**
 * Reads the key file (base64, 32 bytes), creating it with mode 0600 on first use. Only
 * `openSecretKey` (src/secret-key-guard.ts) calls it, after checking that the database holds no
 * sealed value; everything else reads the key with `loadKey`, which never makes one.
 */
export function loadOrCreateKey(path: string): Buffer {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  }
  return loadKey(path);
}

/** Reads the key file (base64, 32 bytes); a missing file is an error, never a new key. */
export function loadKey(path: string): Buffer {
  if (!existsSync(path)) throw new Error(`the secret key file ${path} is missing`);
  chmodSync(path, 0o600);
  const key = Buffer.from(readFileSync(path, "utf8").trim(), "base64");
  if (key.length !== 32) throw new Error(`${path} does not hold a base64 32-byte key`);
  return key;
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * A random password of letters and digits only (every phone UI and config format takes them
 * unquoted). 22 characters of 62 = 131 bits. Rejection sampling keeps the distribution uniform.
 */
export function randomPassword(length = 22): string {
  let out = "";
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < 248 && out.length < length) out += ALPHANUMERIC[b % 62];
    }
  }
  return out;
}

export function sha256Hex(value: string | Buffer): string {
  return createHash("sha256").update(value).digest("hex");
}
