import Router from "@koa/router";
import type { IncomingMessage } from "node:http";
import type { ParameterizedContext } from "koa";
import { normalizeAddress } from "../domain/validation.ts";
import type { ProvisionDeps } from "../provisioning/provision.ts";
import { SourceLimiter } from "../provisioning/source-limiter.ts";
import { handlePhoneEvent, type PhoneEventInput, type PhoneEventResult } from "../registrations/phone-events.ts";

const MAX_BODY = 16_384;
/** Refused events logged per source address and hour (the rest are counted in the access log only). */
const REFUSALS_LOGGED_PER_HOUR = 20;

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        resolve(null);
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", () => resolve(null));
  });
}

const answer = (ctx: { status: number; body: unknown; type: string }, result: PhoneEventResult) => {
  ctx.status = result.ok ? 200 : result.status;
  ctx.type = "text/plain";
  ctx.body = result.ok ? "OK" : result.status === 403 ? "Forbidden" : result.reason;
};

/**
 * Registration events from phones, on the phone-facing listener (phones cannot reach the admin
 * API): `GET /events/<mac>/<secret>/<event>?account=&ip=` (Yealink and Grandstream action URLs)
 * and `POST /events/<mac>/<secret>` with Poly telephony-notification XML.
 */
export function phoneEventRouter(deps: ProvisionDeps): Router {
  const router = new Router({ strict: true });
  const refusals = new SourceLimiter(REFUSALS_LOGGED_PER_HOUR, 3_600_000, () => deps.clock().getTime());
  const base = (ctx: ParameterizedContext & { params: Record<string, string | undefined> }): Omit<PhoneEventInput, "report"> => ({
    mac: ctx.params.mac ?? "",
    secret: ctx.params.secret ?? "",
    sourceIp: normalizeAddress(ctx.socket.remoteAddress ?? ""),
    userAgent: ctx.get("user-agent").slice(0, 256) || null,
  });
  const query = (ctx: ParameterizedContext): Record<string, string> =>
    Object.fromEntries(Object.entries(ctx.query).flatMap(([k, v]) => (typeof v === "string" ? [[k, v]] : [])));
  // The vendor adapter of the device reads the report (Vendor.parseEvent), after the secret is checked.
  router.get("/events/:mac/:secret/:event", async (ctx) => {
    const report = { method: "GET" as const, path: ctx.params.event ?? "", query: query(ctx), body: null };
    answer(ctx, await handlePhoneEvent(deps, { ...base(ctx), report }, refusals));
  });
  router.post("/events/:mac/:secret", async (ctx) => {
    const body = await readBody(ctx.req);
    if (body === null) {
      ctx.status = 413;
      ctx.body = `an event report is at most ${MAX_BODY} bytes`;
      return;
    }
    answer(ctx, await handlePhoneEvent(deps, { ...base(ctx), report: { method: "POST", path: "", query: query(ctx), body } }, refusals));
  });
  return router;
}
