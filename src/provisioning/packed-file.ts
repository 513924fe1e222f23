import { constants, deflateRawSync, inflateRawSync } from "node:zlib";
import type { CachedFile } from "./render-cache.ts";

/**
 * A cached file packed small (render-cache.ts keeps the files past the first part of its budget
 * this way): what the hit gives back (content type, hashes, ETag, credentials, secret values) as
 * one JSON line, then the body (and the plaintext of an encrypted body), compressed together with
 * raw deflate (node:zlib, RFC 1951) against a preset dictionary (RFC 1950 §2.2, `dictionary`
 * option): the payload of an earlier file of the same vendor, file kind and tenant. Phone files of
 * one site are one template filled with different values, so a 6.4 KB Yealink T54W file packs to
 * about 250 bytes with the dictionary (about 1.3 KB without). Unpacking gives back the same bytes,
 * so the ETag, the Content-Length and the fetch-log hash are those of the file as rendered.
 *
 * The packed bytes are kept as a latin1 string: a string of n bytes costs n bytes of heap and
 * nothing else, where a Buffer of a few hundred bytes costs an ArrayBuffer and its backing store
 * (and zlib's output is a slice of a 16 KB chunk, which would keep the whole chunk alive).
 */

type Meta = [contentType: string, contentHash: string, etag: string, encrypted: boolean, carriesPassword: boolean, credentials: readonly string[], secretValues: readonly string[], bodyLength: number, plainLength: number];

/** What pack() compresses and a dictionary is made of: the meta line, the body, the plaintext. */
export function payloadOf(file: CachedFile): Buffer {
  const d = file.delivery;
  const meta: Meta = [d.contentType, d.contentHash, d.etag, d.encrypted, file.carriesProvisioningPassword, file.credentials, file.secretValues ?? [], d.body.length, d.plain?.length ?? -1];
  // JSON.stringify escapes every line break inside strings, so the first "\n" ends the meta line.
  const head = Buffer.from(`${JSON.stringify(meta)}\n`, "utf8");
  return Buffer.concat(d.plain ? [head, d.body, d.plain] : [head, d.body]);
}

/** The packed form of `payload` (payloadOf), compressed against `dictionary` when there is one. */
export function pack(payload: Buffer, dictionary: Buffer | null): string {
  const options = { level: constants.Z_BEST_COMPRESSION, ...(dictionary ? { dictionary } : {}) };
  return deflateRawSync(payload, options).toString("latin1");
}

/**
 * The file pack() was given, byte for byte (the same dictionary must be passed, and the payload's
 * length: zlib's output then goes to one buffer of that size, not to a 16 KB chunk; a third faster).
 */
export function unpack(packed: string, payloadLength: number, dictionary: Buffer | null): CachedFile {
  // One byte more than the payload: zlib sees the end of the stream before the buffer is full.
  const payload = inflateRawSync(Buffer.from(packed, "latin1"), { chunkSize: Math.max(64, payloadLength + 1), ...(dictionary ? { dictionary } : {}) });
  const eol = payload.indexOf(0x0a);
  const [contentType, contentHash, etag, encrypted, carriesProvisioningPassword, credentials, secretValues, bodyLength, plainLength] = JSON.parse(payload.toString("utf8", 0, eol)) as Meta;
  const start = eol + 1;
  const body = payload.subarray(start, start + bodyLength);
  const plain = plainLength >= 0 ? payload.subarray(start + bodyLength, start + bodyLength + plainLength) : undefined;
  return {
    delivery: { body, contentType, contentHash, etag, encrypted, ...(plain ? { plain } : {}) },
    credentials,
    carriesProvisioningPassword,
    secretValues,
  };
}
