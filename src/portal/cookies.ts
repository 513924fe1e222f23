import type { PortalContext } from "./request.ts";
import type { PortalOptions } from "./settings.ts";

/** The portal's cookies: the session, and the pre-session cookie of the sign-in form. */
export const SESSION_COOKIE = "ph_session";
export const LOGIN_COOKIE = "ph_login";

/** Sets (or, with `clear`, removes) a portal cookie: HttpOnly, SameSite=Lax, Secure behind HTTPS. */
export function setCookie(ctx: PortalContext, options: PortalOptions, name: string, value: string, clear = false): void {
  const secure = ctx.secure || options.settings.portalUrl.startsWith("https:");
  const parts = [`${name}=${value}`, "Path=/", "HttpOnly", "SameSite=Lax", ...(secure ? ["Secure"] : []), ...(clear ? ["Max-Age=0"] : [])];
  ctx.append("Set-Cookie", parts.join("; "));
}
