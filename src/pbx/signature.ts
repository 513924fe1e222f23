import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Change-feed signatures (docs/pbx.md, "Verifying a webhook"): HMAC-SHA256, keyed with the
 * webhook's secret, over `<timestamp>.<raw body>`, sent as `Phonehome-Signature: v1=<hex>` with
 * `Phonehome-Timestamp: <unix seconds>`. A receiver recomputes it over the bytes it received,
 * compares in constant time, and refuses a timestamp more than `toleranceS` away from its clock
 * (a replayed request).
 */
export const SIGNATURE_HEADER = "phonehome-signature";
export const TIMESTAMP_HEADER = "phonehome-timestamp";
const DEFAULT_TOLERANCE_S = 300;

export const signatureOf = (secret: string, timestamp: number, body: string): string =>
  `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex")}`;

export type Verification = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** The verification recipe, as a receiver written in TypeScript would run it. */
export function verifySignature(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  nowS: number,
  toleranceS = DEFAULT_TOLERANCE_S,
): Verification {
  if (!headers.timestamp || !/^\d{1,12}$/.test(headers.timestamp)) return { ok: false, reason: "missing or malformed Phonehome-Timestamp" };
  const ts = Number(headers.timestamp);
  if (Math.abs(nowS - ts) > toleranceS) return { ok: false, reason: "timestamp outside the tolerance (replay?)" };
  const expected = Buffer.from(signatureOf(secret, ts, body));
  const given = Buffer.from(headers.signature ?? "");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "signature does not match" };
  return { ok: true };
}
