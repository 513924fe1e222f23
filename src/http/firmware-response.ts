import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream";
import { sendText } from "./plain-response.ts";
import type { FirmwareFile } from "../provisioning/provision.ts";

export type ByteRange = { readonly start: number; readonly end: number };

/**
 * Parses a `Range` header for one byte range (RFC 9110 14.1.2): `bytes=a-b`, `bytes=a-`,
 * `bytes=-n`. Returns null when there is no usable single range (serve the whole file), or
 * "unsatisfiable" when the range lies outside the file.
 */
function parseRange(header: string | undefined, size: number): ByteRange | null | "unsatisfiable" {
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

/**
 * Sends a firmware image with `Range` support on a plain `node:http` response (the phone-file
 * handler, phone-files.ts); returns the HTTP status and the bytes promised. Headers and bodies are
 * the ones the koa version of this function sent: ETag, Accept-Ranges, Cache-Control and
 * Content-Type on every answer about the image, Content-Range on 206 and 416.
 */
export async function sendFirmware(req: IncomingMessage, res: ServerResponse, image: FirmwareFile): Promise<{ status: number; bytes: number | null }> {
  let size: number;
  try {
    size = (await stat(image.path)).size;
  } catch {
    sendText(res, 404, "Not Found");
    return { status: 404, bytes: null };
  }
  res.setHeader("ETag", `"${image.sha256.slice(0, 32)}"`);
  res.setHeader("Accept-Ranges", "bytes");
  res.setHeader("Cache-Control", "public, max-age=86400");
  res.setHeader("Content-Type", "application/octet-stream");
  const range = parseRange(req.headers.range || undefined, size);
  if (range === "unsatisfiable") {
    res.setHeader("Content-Range", `bytes */${size}`);
    // The Content-Type above stays: the answer is about the image.
    sendText(res, 416, "Range Not Satisfiable");
    return { status: 416, bytes: null };
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const length = size === 0 ? 0 : end - start + 1;
  res.statusCode = range ? 206 : 200;
  if (range) res.setHeader("Content-Range", `bytes ${start}-${end}/${size}`);
  res.setHeader("Content-Length", length);
  if (req.method === "HEAD" || length === 0) {
    res.end();
  } else {
    pipeline(createReadStream(image.path, { start, end }), res, () => {});
  }
  return { status: res.statusCode, bytes: length };
}
