import type { Next } from "koa";
import { AppError } from "../../errors.ts";
import { OPERATIONS } from "./openapi-operations.ts";
import type { AdminContext } from "./roles.ts";

/**
 * Routes whose body is not JSON, read from the operation list (`body: "text/csv"` or
 * `"application/octet-stream"`); each checks its own content type. Every other route takes JSON only.
 */
const RAW_BODY_ROUTES: readonly { method: string; path: RegExp }[] = OPERATIONS.filter((o) => typeof o.body === "string").map((o) => ({
  method: o.method.toUpperCase(),
  path: new RegExp(`^/api/v1${o.path.replace(/\{[^}]+\}/g, "[^/]+")}$`),
}));
const isRawBodyRoute = (method: string, path: string) => RAW_BODY_ROUTES.some((r) => r.method === method && r.path.test(path));

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
  if (hasBody(ctx) && !isRawBodyRoute(ctx.method, ctx.path) && ctx.is("application/json", "+json") === false) {
    const sent = ctx.get("content-type") || "no Content-Type";
    throw new AppError(415, "unsupported_media_type", `send the body as application/json (Content-Type: application/json); this request sent ${sent.slice(0, 100)}`);
  }
  await next();
}
