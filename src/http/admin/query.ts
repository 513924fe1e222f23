import type { Next } from "koa";
import { invalidInput } from "../../errors.ts";
import type { AdminContext } from "./roles.ts";

/**
 * The admin API's one query parser. No admin route documents a repeated parameter (lists such as
 * `models=M1,M2` are comma-separated), so a repeated name is refused rather than read as its first
 * value or dropped: `?tenant=a&tenant=b` used to reach the routes as an array, fail their
 * `typeof === "string"` check and list every tenant. Bracket syntax (`mac[$ne]=1`, `tenant[]=a`)
 * is not a parameter any route knows and is refused too, instead of being ignored.
 */
function parseAdminQuery(querystring: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(querystring)) {
    const shown = name.slice(0, 60);
    if (/[[\]]/.test(name)) throw invalidInput(`query parameter ${shown}: bracket syntax is not supported; give each parameter once as name=value`);
    if (params.has(name)) throw invalidInput(`query parameter ${shown} is given more than once; give it once`);
    params.set(name, value);
  }
  return params;
}

/** Middleware: refuses a malformed query string with 400 before any route reads it. */
export async function strictQuery(ctx: AdminContext, next: Next): Promise<void> {
  parseAdminQuery(ctx.querystring);
  await next();
}

/** One query parameter of a request (checked by `strictQuery`); undefined when absent. */
export function queryParam(ctx: AdminContext, name: string): string | undefined {
  return parseAdminQuery(ctx.querystring).get(name);
}
