import type { Next } from "koa";
import { AppError } from "../../errors.ts";
import type { AdminContext } from "./roles.ts";

/**
 * Routes whose body is not JSON; each checks its own content type (text/csv, application/octet-stream).
 * Every other route with a body takes JSON only.
 */
const RAW_BODY_ROUTES: ReadonlySet<string> = new Set(["POST /api/v1/imports", "POST /api/v1/firmware"]);

function hasBody(ctx: AdminContext): boolean {
  if (ctx.get("transfer-encoding") !== "") return true;
  const length = Number(ctx.get("content-length") || 0);
  return Number.isFinite(length) && length > 0;
}

/**
 * Refuses a body that is not JSON with 415. Without this the body parser skips other types and the
 * route sees `{}`, so a PATCH sent as text/plain or form-encoded would "succeed" with no fields.
 */
export async function requireJsonBody(ctx: AdminContext, next: Next): Promise<void> {
  if (hasBody(ctx) && !RAW_BODY_ROUTES.has(`${ctx.method} ${ctx.path}`) && ctx.is("application/json", "+json") === false) {
    const sent = ctx.get("content-type") || "no Content-Type";
    throw new AppError(415, "unsupported_media_type", `send the body as application/json (Content-Type: application/json); this request sent ${sent.slice(0, 100)}`);
  }
  await next();
}
