import Busboy from "busboy";
import type { ParameterizedContext } from "koa";
import { payloadTooLarge, invalidInput } from "../errors.ts";
import type { SessionRow } from "./sessions.ts";
import type { Scope } from "./scope.ts";
import type { PageContext } from "./ui.ts";

/** Per-request state of a portal page. */
export interface PortalState {
  scope: Scope | null;
  session: SessionRow | null;
  /** The CSRF token forms carry: the session's, or the sign-in form's before there is a session. */
  csrf: string;
  form: FormBody;
}

export type PortalContext = ParameterizedContext<PortalState & { role?: string; tokenName?: string }>;

export interface UploadedFile {
  readonly filename: string;
  readonly mimeType: string;
  readonly data: Buffer;
}

/** A submitted form: fields (repeated names kept in order) and uploaded files. */
export interface FormBody {
  readonly fields: URLSearchParams;
  readonly files: ReadonlyMap<string, UploadedFile>;
}

export const EMPTY_FORM: FormBody = { fields: new URLSearchParams(), files: new Map() };

export const pageContext = (ctx: PortalContext): PageContext => ({ scope: ctx.state.scope, csrf: ctx.state.csrf, path: ctx.path });

async function readText(ctx: PortalContext, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw payloadTooLarge(`the form is larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function readMultipart(ctx: PortalContext, limit: number): Promise<FormBody> {
  return new Promise((resolve, reject) => {
    const fields = new URLSearchParams();
    const files = new Map<string, UploadedFile>();
    let bb: Busboy.Busboy;
    try {
      bb = Busboy({ headers: ctx.req.headers, limits: { fileSize: limit, files: 4, fields: 200 } });
    } catch (err) {
      reject(invalidInput(`the upload is not valid multipart/form-data: ${(err as Error).message}`));
      return;
    }
    bb.on("field", (name, value) => fields.append(name, value));
    bb.on("file", (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("limit", () => reject(payloadTooLarge(`${name}: the file is larger than ${limit} bytes`)));
      stream.on("end", () => {
        if (info.filename) files.set(name, { filename: info.filename, mimeType: info.mimeType, data: Buffer.concat(chunks) });
      });
    });
    bb.on("error", (err) => reject(invalidInput(`the upload could not be read: ${(err as Error).message}`)));
    bb.on("close", () => resolve({ fields, files }));
    ctx.req.pipe(bb);
  });
}

/** Reads a urlencoded or multipart body (anything else is refused). */
export async function readForm(ctx: PortalContext, limits: { form: number; upload: number }): Promise<FormBody> {
  const type = ctx.get("content-type").toLowerCase();
  if (type.startsWith("multipart/form-data")) return readMultipart(ctx, limits.upload);
  if (type.startsWith("application/x-www-form-urlencoded") || type === "") {
    return { fields: new URLSearchParams(await readText(ctx, limits.form)), files: new Map() };
  }
  throw new (await import("../errors.ts")).AppError(415, "unsupported_media_type", "send the form as application/x-www-form-urlencoded or multipart/form-data");
}

/** Form field helpers: empty strings become null where a section takes null. */
export class Fields {
  constructor(private readonly p: URLSearchParams) {}
  /** The last value (a hidden "false" before a checkbox "true" leaves "true"). */
  str(name: string): string {
    const all = this.p.getAll(name);
    return all.length ? all[all.length - 1]! : "";
  }
  opt(name: string): string | null {
    const v = this.str(name).trim();
    return v === "" ? null : v;
  }
  bool(name: string): boolean {
    return this.str(name) === "true";
  }
  /** A number, or the text as typed (the schema then says it is not a number), or null when empty. */
  num(name: string): number | string | null {
    const v = this.str(name).trim();
    if (v === "") return null;
    return /^-?\d+$/.test(v) ? Number(v) : v;
  }
  all(name: string): string[] {
    return this.p.getAll(name);
  }
  /** One entry a line (or comma), trimmed, empty ones dropped. */
  lines(name: string): string[] {
    return this.str(name)
      .split(/[\r\n,]+/)
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  }
  has(name: string): boolean {
    return this.p.has(name);
  }
}
