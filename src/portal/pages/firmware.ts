import Router from "@koa/router";
import { AppError } from "../../errors.ts";
import { listFirmware, pinnedFirmwareIn } from "../../firmware/catalogue.ts";
import { deletePin, listPinsIn, setPin, type PinView } from "../../firmware/pins.ts";
import { deleteFirmware } from "../../firmware/service.ts";
import { firmwareStatus } from "../../firmware/status.ts";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { listDevices } from "../../services/devices.ts";
import { listTenants } from "../../services/tenants.ts";
import { html, raw } from "../html.ts";
import { Fields, pageContext, type PortalContext, type PortalState } from "../request.ts";
import { canAdmin, requireAdmin, requireUnlimited, seesTenant } from "../scope.ts";
import type { PortalOptions } from "../settings.ts";
import { form, formErrors, generalErrors, notice, page, table, textField, type FormState } from "../ui.ts";

const iso = (ms: number) => new Date(ms).toISOString().replace("T", " ").slice(0, 19);

/**
 * The firmware catalogue (src/firmware/), each tenant's pins and the rollout (reported against
 * target per phone). Images are added with `phonehome firmware add` or `POST /api/v1/firmware`: an
 * image is up to firmwareMaxBytes and is streamed to disk there, which a form upload would buffer.
 */
export function firmwareRoutes(deps: ProvisionDeps, _options: PortalOptions): Router<PortalState> {
  const r = new Router<PortalState>();

  async function firmwarePage(ctx: PortalContext, pinSt?: FormState): Promise<void> {
    const scope = ctx.state.scope!;
    if (scope.role === null) throw new AppError(403, "forbidden", "this account cannot see the firmware catalogue");
    const pc = pageContext(ctx);
    const tenants = (await listTenants(deps)).filter((t) => seesTenant(scope, t.name));
    const catalogueAdmin = scope.unlimited && canAdmin(scope);
    const st = pinSt ?? { values: { tenant: tenants[0]?.name ?? "" }, errors: {}, general: [] };
    const done = typeof ctx.query.done === "string" ? ctx.query.done.slice(0, 200) : undefined;
    const images = await listFirmware(deps);
    const devices = (await listDevices(deps)).filter((d) => tenants.some((t) => t.id === d.tenantId));
    const { pins, rollout } = await deps.data.read(async (q) => {
      const pinsOf = new Map<number, PinView[]>();
      for (const t of tenants) pinsOf.set(t.id, await listPinsIn(q, t.id));
      const targets = [];
      for (const d of devices) {
        const target = (await pinnedFirmwareIn(q, d.tenantId, d.vendor, d.model))?.version ?? null;
        targets.push({ d, target, status: firmwareStatus(d.lastFirmware, target) });
      }
      return { pins: pinsOf, rollout: targets };
    });
    const count = (s: string) => rollout.filter((x) => x.status === s).length;
    ctx.status = pinSt ? 400 : 200;
    ctx.type = "html";
    ctx.body = page(
      pc,
      "Firmware",
      html`${notice(done)}
<section class="card" id="catalogue" aria-labelledby="cat-h"><h2 id="cat-h">Catalogue</h2>
<p class="muted">Add an image with <code>phonehome firmware add</code> or <code>POST /api/v1/firmware</code> (images are large and streamed to disk there).</p>
${table(
  ["Vendor", "Models", "Version", "Served as", "Size", "SHA-256", "Added", ...(catalogueAdmin ? [""] : [])],
  images.map(
    (f) => html`<tr><td>${f.vendor}</td><td>${f.models.join(", ")}</td><td>${f.version}</td><td><code>${f.fileName}</code></td><td>${Math.round(f.size / 1024)} KiB</td><td><code>${f.sha256.slice(0, 16)}…</code></td><td>${iso(f.createdAt)}</td>${catalogueAdmin ? html`<td>${form(pc, `/firmware/${f.id}/delete`, html``, { submit: `Delete ${f.version}`, cls: "", danger: true, confirm: `Delete ${f.vendor} ${f.version}? Phones pinned to it must be pinned elsewhere first.` })}</td>` : ""}</tr>`,
  ),
)}</section>
<section class="card" id="pins" aria-labelledby="pins-h"><h2 id="pins-h">Pins</h2>
<p class="muted">A pin makes a tenant's phones of one model fetch that version.</p>
${table(
  ["Tenant", "Vendor", "Model", "Version", ""],
  tenants.flatMap((t) =>
    (pins.get(t.id) ?? []).map(
      (p) => html`<tr><td>${t.name}</td><td>${p.vendor}</td><td>${p.model}</td><td>${p.version}</td><td>${canAdmin(scope) ? form(pc, "/firmware/pins/delete", html`<input type="hidden" name="tenant" value="${t.name}"><input type="hidden" name="vendor" value="${p.vendor}"><input type="hidden" name="model" value="${p.model}">`, { submit: `Unpin ${p.model}`, cls: "" }) : ""}</td></tr>`,
    ),
  ),
)}
${canAdmin(scope)
  ? form(
      pc,
      "/firmware/pins",
      html`${generalErrors(st)}<label for="f-tenant"><span class="l">Tenant</span><select id="f-tenant" name="tenant">${tenants.map((t) => html`<option value="${t.name}"${t.name === (st.values as { tenant?: string }).tenant ? raw(" selected") : ""}>${t.name}</option>`)}</select></label>
${textField(st, "vendor", "Vendor", { hint: "yealink, polycom, grandstream" })}${textField(st, "model", "Model", { hint: "e.g. T54W" })}${textField(st, "version", "Version", { hint: "a version in the catalogue for that model" })}`,
      { submit: "Pin the version" },
    )
  : ""}</section>
<section class="card" id="rollout" aria-labelledby="roll-h"><h2 id="roll-h">Rollout</h2>
<p>${count("current")} current · ${count("upgrade pending")} upgrade pending · ${count("unknown")} unknown</p>
${table(
  ["Phone", "Model", "Reported", "Target", "Status"],
  rollout.map((x) => html`<tr><td><a href="/devices/${x.d.mac}">${x.d.mac}</a></td><td>${x.d.vendor} ${x.d.model}</td><td>${x.d.lastFirmware ?? "unknown"}</td><td>${x.target ?? "(not pinned)"}</td><td>${x.status}</td></tr>`),
)}</section>`,
    );
  }

  r.get("/firmware", (ctx) => firmwarePage(ctx));
  r.post("/firmware/pins", async (ctx) => {
    const f = new Fields(ctx.state.form.fields);
    const values = { tenant: f.str("tenant"), vendor: f.str("vendor").trim(), model: f.str("model").trim(), version: f.str("version").trim() };
    requireAdmin(ctx.state.scope!, values.tenant);
    try {
      await setPin(deps, values.tenant, values.vendor, values.model, values.version);
    } catch (err) {
      const fe = formErrors(err, ["vendor", "model", "version", "tenant"]);
      if (!fe) throw err;
      return firmwarePage(ctx, { values, ...fe });
    }
    ctx.status = 303;
    ctx.redirect(`/firmware?done=${encodeURIComponent(`${values.tenant}: ${values.model} pinned to ${values.version}.`)}#pins`);
  });
  r.post("/firmware/pins/delete", async (ctx) => {
    const f = new Fields(ctx.state.form.fields);
    requireAdmin(ctx.state.scope!, f.str("tenant"));
    await deletePin(deps, f.str("tenant"), f.str("vendor"), f.str("model"));
    ctx.status = 303;
    ctx.redirect(`/firmware?done=${encodeURIComponent(`${f.str("tenant")}: ${f.str("model")} unpinned.`)}#pins`);
  });
  r.post("/firmware/:id/delete", async (ctx) => {
    requireUnlimited(ctx.state.scope!, "admin");
    if (!deps.firmwareDir) throw new AppError(503, "unavailable", "no firmware folder is configured");
    await deleteFirmware({ ...deps, firmwareDir: deps.firmwareDir }, Number(ctx.params.id));
    ctx.status = 303;
    ctx.redirect(`/firmware?done=${encodeURIComponent("Image deleted.")}#catalogue`);
  });
  return r;
}
