import type { ServerResponse } from "node:http";
import { contentType } from "mime-types";

/**
 * Answers on a plain `node:http` response, with the headers koa gave the same answers before the
 * phone files left koa (phone-files.ts): a text body is `text/plain; charset=utf-8` unless a
 * Content-Type is already set, Content-Length always. HEAD gets the headers without the body
 * (node drops it).
 */
export function sendText(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  if (!res.hasHeader("Content-Type")) res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.setHeader("Content-Length", Buffer.byteLength(text));
  res.end(text);
}

const types = new Map<string, string | false>();

/** A Content-Type as koa's `ctx.type` wrote it (a charset added to text types): mime-types, memoised. */
export function contentTypeHeader(type: string): string | false {
  let header = types.get(type);
  if (header === undefined) {
    header = contentType(type);
    if (types.size < 1000) types.set(type, header);
  }
  return header;
}
