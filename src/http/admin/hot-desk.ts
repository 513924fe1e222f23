import Router from "@koa/router";
import { ZodError } from "zod";
import { describeIssues } from "../../services/schemas.ts";
import { AppError } from "../../errors.ts";
import { getHotDesk, listHotDesks } from "../../hot-desk/desk-state.ts";
import { disableHotDesk, enableHotDesk, signIn, signOut, type DeskChange } from "../../hot-desk/desks.ts";
import { addHotDeskDefault, listHotDeskDefaults, removeHotDeskDefault } from "../../hot-desk/defaults.ts";
import { notifyChange } from "../../hot-desk/notify.ts";
import { pbxDeactivate, pbxRelease, pbxSignIn } from "../../hot-desk/pbx-calls.ts";
import { getHotDeskProfile, updateHotDeskProfile } from "../../hot-desk/person.ts";
import type { PinLimits } from "../../hot-desk/pin-guard.ts";
import { getRules, updateRules } from "../../hot-desk/rules.ts";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import type { SipSettings } from "../../registrations/sip-settings.ts";
import { AdminSignInInput, EnableInput } from "./openapi-hot-desk.ts";
import { queryParam } from "./query.ts";
import { requireRole, requireTenant, type AdminContext, type AdminState } from "./roles.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads a dialplan's form post (at most 4 KiB) into an object; a JSON body was parsed already. */
async function pbxBody(ctx: AdminContext): Promise<{ body: unknown; form: boolean }> {
  if (!ctx.is("application/x-www-form-urlencoded")) return { body: ctx.request.body ?? {}, form: false };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > 4096) throw new AppError(413, "payload_too_large", "the form is larger than 4 KiB");
    chunks.push(chunk as Buffer);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString("utf8"))) {
    if (Object.hasOwn(out, k)) throw new AppError(400, "invalid_input", `form field ${k.slice(0, 40)} is given more than once`);
    out[k] = v;
  }
  return { body: out, form: true };
}

/** A dialplan reads the first word of a one-line answer: `OK ...` or `ERR <code> <message>`. */
function answerText(ctx: AdminContext, status: number, line: string): void {
  ctx.status = status;
  ctx.type = "text/plain";
  ctx.body = `${line}\n`;
}

/** /hot-desks, /devices/{mac}/hot-desk[/sign-in|/sign-out], hoteling rules, the extension's profile, the PBX calls. */
export function hotDeskRoutes(deps: ProvisionDeps, sip: SipSettings, limits: PinLimits): Router<AdminState> {
  const r = new Router<AdminState>();
  const writer = (ctx: AdminContext) => requireRole(ctx, "admin", "technician");
  /** Sends the NOTIFYs the committed change queued; the answer does not wait for the phones. */
  const changed = (c: DeskChange) => {
    const n = notifyChange(deps, sip, [c]);
    n.done.catch((err) => deps.logger.error({ err }, "hot-desk NOTIFY failed"));
    return { hotDesk: c.desk, moved: c.moved, notify: { notified: n.notified, skipped: n.skipped } };
  };

  r.get("/hot-desks", async (ctx) => {
    ctx.body = { hotDesks: await listHotDesks(deps, queryParam(ctx, "tenant")) };
  });
  r.get("/devices/:mac/hot-desk", async (ctx) => {
    ctx.body = await getHotDesk(deps, ctx.params.mac!);
  });
  r.post("/devices/:mac/hot-desk", async (ctx) => {
    writer(ctx);
    const input = EnableInput.parse(ctx.request.body ?? {});
    ctx.body = changed(await enableHotDesk(deps, ctx.params.mac!, input));
    ctx.status = 201;
  });
  r.delete("/devices/:mac/hot-desk", async (ctx) => {
    writer(ctx);
    changed(await disableHotDesk(deps, ctx.params.mac!));
    ctx.status = 204;
  });
  r.post("/devices/:mac/hot-desk/sign-in", async (ctx) => {
    writer(ctx);
    const input = AdminSignInInput.parse(ctx.request.body);
    ctx.body = changed(await signIn(deps, ctx.params.mac!, input.extension, "admin"));
  });
  r.post("/devices/:mac/hot-desk/sign-out", async (ctx) => {
    writer(ctx);
    ctx.body = changed(await signOut(deps, ctx.params.mac!, "admin"));
  });
  r.get("/tenants/:tenant/hot-desk/rules", async (ctx) => {
    ctx.body = await getRules(deps, ctx.params.tenant!);
  });
  r.patch("/tenants/:tenant/hot-desk/rules", async (ctx) => {
    requireRole(ctx, "admin");
    ctx.body = await updateRules(deps, ctx.params.tenant!, ctx.request.body);
  });
  r.get("/tenants/:tenant/hot-desk/defaults", async (ctx) => {
    ctx.body = await listHotDeskDefaults(deps, ctx.params.tenant!);
  });
  r.put("/tenants/:tenant/hot-desk/defaults/:vendor/:model", async (ctx) => {
    requireRole(ctx, "admin");
    ctx.body = await addHotDeskDefault(deps, ctx.params.tenant!, ctx.params.model!, ctx.params.vendor!);
  });
  r.delete("/tenants/:tenant/hot-desk/defaults/:vendor/:model", async (ctx) => {
    requireRole(ctx, "admin");
    const { removed, changes } = await removeHotDeskDefault(deps, ctx.params.tenant!, ctx.params.model!, ctx.params.vendor!);
    const n = notifyChange(deps, sip, changes);
    n.done.catch((err) => deps.logger.error({ err }, "hot-desk NOTIFY failed"));
    ctx.body = { removed, signedOut: changes.flatMap((c) => c.changed.map((d) => d.mac)), notify: { notified: n.notified, skipped: n.skipped } };
  });
  r.get("/tenants/:tenant/extensions/:number/hot-desk", async (ctx) => {
    ctx.body = await getHotDeskProfile(deps, ctx.params.tenant!, ctx.params.number!);
  });
  r.patch("/tenants/:tenant/extensions/:number/hot-desk", async (ctx) => {
    requireRole(ctx, "admin");
    ctx.body = await updateHotDeskProfile(deps, ctx.params.tenant!, ctx.params.number!, ctx.request.body);
  });

  // The PBX's calls: JSON in and out, or a form in and one line of text out (docs/hot-desking.md).
  const pbx = (path: string, run: (body: unknown, allowed: (t: string) => void) => Promise<DeskChange>, ok: (c: DeskChange) => string) => {
    r.post(path, async (ctx) => {
      requireRole(ctx, "admin", "pbx");
      const { body, form } = await pbxBody(ctx);
      try {
        const change = await run(body, (t) => requireTenant(ctx, t));
        const json = changed(change);
        if (form) answerText(ctx, 200, `OK ${ok(change)}`);
        else ctx.body = json;
      } catch (err) {
        if (!form) throw err;
        const e = err instanceof ZodError ? new AppError(400, "invalid_input", describeIssues(err)) : err;
        if (!(e instanceof AppError)) throw err;
        answerText(ctx, e.status, `ERR ${e.code} ${e.message.replace(/\s+/g, " ")}`);
      }
    });
  };
  pbx(
    "/pbx/hot-desk/sign-in",
    async (body, allowed) => {
      const outcome = await pbxSignIn(deps, body, limits, allowed);
      // Slowed guessing: the answer waits, right PIN or wrong, once the count passed the threshold.
      if (outcome.delayMs) await sleep(outcome.delayMs);
      if (!outcome.ok) throw outcome.error;
      return outcome.change;
    },
    (c) => `signed-in ${c.desk?.extension ?? ""}`.trim(),
  );
  pbx("/pbx/hot-desk/release", async (body, allowed) => pbxRelease(deps, body, allowed), () => "signed-out");
  pbx("/pbx/hot-desk/deactivate", async (body, allowed) => pbxDeactivate(deps, body, allowed), (c) => `signed-out ${c.moved.join(",")}`);
  return r;
}
