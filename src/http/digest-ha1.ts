import { randomBytes } from "node:crypto";
import { UNKNOWN_DEVICE_SECRET } from "../provisioning/provision.ts";
import type { SecretBox } from "../secrets.ts";
import { digestHa1 } from "./digest.ts";

/**
 * The Digest HA1 of each device's provisioning password, so that a fetch decrypts no secret: the
 * pipeline hands the authenticator the device's sealed password as read from the database in
 * this request (`devices.prov_password_enc`), and the HA1 is kept under that sealed string.
 *
 * Why the sealed string and not the render cache's generation: it is what the generation would
 * protect, read fresh on every fetch. A new password, from this process or another (an admin
 * request, the CLI, an import), is a new sealed string (every seal has a fresh random IV), so it
 * misses; so does a secret-key rotation, which re-seals every row. An entry can only ever answer
 * for the exact ciphertext it was derived from, so it is never stale, and no read of the
 * generation is needed for it. The user name is checked too (it is part of HA1).
 *
 * Bounded: at most `maxEntries` (oldest first out); an entry is about 250 bytes, so the default
 * of 200,000 costs at most about 50 MB and holds 100,000 phones twice over.
 */
export class DigestHa1Cache {
  private readonly entries = new Map<string, { readonly username: string; readonly ha1: string }>();
  /** What a MAC no device has is checked against: the HA1 of a password nobody knows. */
  private readonly unknown = randomBytes(16).toString("hex");
  hits = 0;
  misses = 0;

  constructor(
    private readonly secrets: SecretBox,
    private readonly maxEntries = 200_000,
  ) {}

  /** HA1 for `username` with the password sealed in `sealed` (or UNKNOWN_DEVICE_SECRET). */
  of(username: string, sealed: string): string {
    const e = this.entries.get(sealed);
    if (sealed === UNKNOWN_DEVICE_SECRET) return this.unknown;
    if (e && e.username === username) {
      this.hits++;
      return e.ha1;
    }
    this.misses++;
    const ha1 = digestHa1(username, this.secrets.open(sealed));
    if (e) this.entries.delete(sealed);
    this.entries.set(sealed, { username, ha1 });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return ha1;
  }

  get size(): number {
    return this.entries.size;
  }
}
