import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { Context } from "koa";
import type { FirmwareFile } from "../provisioning/provision.ts";

export type ByteRange = { readonly start: number; readonly end: number };

/**
 * Parses a `Range` header for one byte range (RFC 9110 14.1.2): `bytes=a-b`, `bytes=a-`,
 * `bytes=-n`. Returns null when there is no usable single range (serve the whole file), or
 * "unsatisfiable" when the range lies outside the file.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | null | "unsatisfiable" {
  if (!header) return null;
  const m = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return null; // several ranges or garbage: the whole file
  if (m[1] === "") {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}

/** Sends a firmware image with `Range` support; returns the HTTP status and the bytes promised. */
export async function sendFirmware(ctx: Context, image: FirmwareFile): Promise<{ status: number; bytes: number | null }> {
  let size: number;
  try {
    size = (await stat(image.path)).size;
  } catch {
    ctx.status = 404;
    ctx.body = "Not Found";
    return { status: 404, bytes: null };
  }
  const etag = `"${image.sha256.slice(0, 32)}"`;
  ctx.set("ETag", etag);
  ctx.set("Accept-Ranges", "bytes");
  ctx.set("Cache-Control", "public, max-age=86400");
  ctx.type = "application/octet-stream";
  const range = parseRange(ctx.get("range") || undefined, size);
  if (range === "unsatisfiable") {
    ctx.status = 416;
    ctx.set("Content-Range", `bytes */${size}`);
    ctx.body = "Range Not Satisfiable";
    return { status: 416, bytes: null };
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const length = size === 0 ? 0 : end - start + 1;
  ctx.status = range ? 206 : 200;
  if (range) ctx.set("Content-Range", `bytes ${start}-${end}/${size}`);
  if (ctx.method === "HEAD" || length === 0) {
    ctx.body = Buffer.alloc(0);
  } else {
    ctx.body = createReadStream(image.path, { start, end });
  }
  ctx.length = length;
  return { status: ctx.status, bytes: length };
}
