import Router from "@koa/router";
import { AppError } from "../../errors.ts";
import { firmwareStatus } from "../../firmware/status.ts";
import { pinnedFirmwareIn } from "../../firmware/catalogue.ts";
import { deviceFiles, previewFile } from "../../provisioning/preview.ts";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { deviceAction } from "../../registrations/actions.ts";
import { deviceDrift, deviceDriftIn, type DeviceDrift } from "../../registrations/drift.ts";
import { listRegistrations } from "../../registrations/views.ts";
import { currentActor } from "../../services/actor.ts";
import { keysOf, linesOf, setKeys, setLines } from "../../services/device-layout.ts";
import { getDevice, listDevices } from "../../services/devices.ts";
import { keyLimitsOf } from "../../services/device-rules.ts";
import type { DeviceRow } from "../../db/rows.ts";
import { expandDeviceKeys, readDeviceKeys } from "../../services/key-expansion.ts";
import { listExtensions } from "../../services/extensions.ts";
import { KeysInput, LinesInput } from "../../services/schemas.ts";
import { html, raw, type Html } from "../html.ts";
import { keyControls, keyFormErrors, readKeyForm } from "../key-form.ts";
import { diffLines } from "diff";
import { lastServed, MASK, maskSecretValues, type ServedCopy } from "../../provisioning/served-files.ts";
import { Fields, pageContext, type PortalContext, type PortalState } from "../request.ts";
import { canOperate, requireOperate, requireTenant, seesSecrets, seesTenantData } from "../scope.ts";
import type { PortalOptions } from "../settings.ts";
import { cleanForm, form, formErrors, generalErrors, notice, page, table, type FormState } from "../ui.ts";

const iso = (ms: number | null) => (ms === null ? "never" : new Date(ms).toISOString().replace("T", " ").slice(0, 19));

/** Devices: list with filters, and a device's page (lines, key editor, file preview and drift, resync and reboot). */
export function deviceRoutes(deps: ProvisionDeps, options: PortalOptions): Router<PortalState> {
  const r = new Router<PortalState>();
  const tenantNames = () =>
    deps.data.read(async (q) => new Map((await q.db.select({ id: q.t.tenants.id, name: q.t.tenants.name }).from(q.t.tenants)).map((t) => [t.id, t.name])));

  /** The device, if the account may see its tenant. */
  async function device(ctx: PortalContext): Promise<{ d: DeviceRow; tenant: string }> {
    const scope = ctx.state.scope!;
    if (scope.role === null) throw new AppError(403, "forbidden", "this account cannot see devices");
    const d = await getDevice(deps, ctx.params.mac!);
    const tenant = (await tenantNames()).get(d.tenantId)!;
    requireTenant(scope, tenant);
    return { d, tenant };
  }

  r.get("/devices", async (ctx) => {
    const scope = ctx.state.scope!;
    if (scope.role === null) throw new AppError(403, "forbidden", "this account cannot see devices");
    const q = typeof ctx.query.q === "string" ? ctx.query.q.trim().toLowerCase().slice(0, 100) : "";
    const model = typeof ctx.query.model === "string" ? ctx.query.model : "";
    const drift = typeof ctx.query.drift === "string" ? ctx.query.drift : "";
    const names = await tenantNames();
    const all = (await listDevices(deps)).filter((d) => seesTenantData(scope, names.get(d.tenantId)!));
    const registered = new Set((await listRegistrations(deps)).filter((x) => x.state === "registered").map((x) => x.mac));
    const { linesByDevice, driftByDevice } = await deps.data.read(async (q) => {
      const linesByDevice = new Map<number, string[]>();
      const driftByDevice = new Map<number, DeviceDrift["state"]>();
      for (const d of all) {
        linesByDevice.set(d.id, (await linesOf(q, d.id)).map((l) => l.extension));
        driftByDevice.set(d.id, (await deviceDriftIn(q, deps, d)).state);
      }
      return { linesByDevice, driftByDevice };
    });
    const targets = await deps.data.read(async (q) => {
      const out = new Map<number, string | null>();
      for (const d of all) out.set(d.id, (await pinnedFirmwareIn(q, d.tenantId, d.vendor, d.model))?.version ?? null);
      return out;
    });
    const rows = all
      .map((d) => {
        const lines = linesByDevice.get(d.id) ?? [];
        const target = targets.get(d.id) ?? null;
        return { d, tenant: names.get(d.tenantId)!, lines, registered: registered.has(d.mac), drift: driftByDevice.get(d.id)!, firmware: firmwareStatus(d.lastFirmware, target) };
      })
      .filter((x) => (!model || x.d.model === model) && (!drift || x.drift === drift) && (!q || [x.d.mac, x.d.label ?? "", x.tenant, ...x.lines].some((v) => v.toLowerCase().includes(q))));
    const models = [...new Set(all.map((d) => d.model))].sort();
    ctx.type = "html";
    ctx.body = page(
      pageContext(ctx),
      "Devices",
      html`<form method="get" action="/devices" class="stack" role="search">
<label for="f-q"><span class="l">Search</span><input id="f-q" type="search" name="q" value="${q}" placeholder="MAC, label, tenant or extension"></label>
<label for="f-model"><span class="l">Model</span><select id="f-model" name="model"><option value="">(any)</option>${models.map((m) => html`<option${m === model ? raw(" selected") : ""}>${m}</option>`)}</select></label>
<label for="f-drift"><span class="l">Configuration</span><select id="f-drift" name="drift">${[["", "(any)"], ["current", "current"], ["drift", "drift"], ["never-fetched", "never fetched"]].map(([v, l]) => html`<option value="${v}"${v === drift ? raw(" selected") : ""}>${l}</option>`)}</select></label>
<div class="actions"><button type="submit">Filter</button></div></form>
<p class="muted">${rows.length} device(s).</p>
${table(
  ["MAC", "Model", "Tenant", "Extensions", "Registered", "Last fetch", "Configuration", "Firmware"],
  rows.map(
    (x) => html`<tr><td><a href="/devices/${x.d.mac}">${x.d.mac}</a>${x.d.label ? html`<br><span class="muted">${x.d.label}</span>` : ""}</td><td>${x.d.vendor} ${x.d.model}</td><td>${x.tenant}</td><td>${x.lines.join(", ")}</td><td>${x.registered ? html`<span class="badge ok">yes</span>` : "no"}</td><td>${iso(x.d.lastSeenAt)}</td><td><span class="badge${x.drift === "drift" ? " bad" : x.drift === "current" ? " ok" : ""}">${x.drift}</span></td><td>${x.firmware}</td></tr>`,
  ),
)}`,
    );
  });

  async function devicePage(ctx: PortalContext, override?: { id: string; st: FormState }): Promise<void> {
    const scope = ctx.state.scope!;
    const { d, tenant } = await device(ctx);
    const pc = pageContext(ctx);
    const write = canOperate(scope);
    const exts = await listExtensions(deps, tenant);
    const limits = keyLimitsOf(d);
    // One read: the lines, the keys as stored and the effective keys all come from one commit.
    const { lines, read, effective, own } = await deps.data.read(async (q) => {
      const keys = await readDeviceKeys(q, d.id);
      return { lines: await linesOf(q, d.id), read: keys, effective: await expandDeviceKeys(q, d, limits, keys), own: await keysOf(q, d.id) };
    });
    const layoutName = read.layout?.name ?? null;
    const bySlot = new Map(effective.keys.map((k) => [k.index, k]));
    const ownBySlot = new Map(own.map((k) => [k.index, k]));
    const drift = await deviceDrift(deps, d);
    const linesSt = override?.id === "lines" ? override.st : cleanForm({});
    const keysSt = override?.id === "keys" ? override.st : cleanForm({});
    const submittedKeys = override?.id === "keys" ? (override.st.values as Record<string, string>) : null;
    const lineCount = Math.max(limits.lines, 1);
    const files = deviceFiles(deps, d);
    const done = typeof ctx.query.done === "string" ? ctx.query.done.slice(0, 200) : undefined;

    const lineRows = Array.from({ length: lineCount }, (_, i) => {
      const idx = i + 1;
      const current = override?.id === "lines" ? new Fields(ctx.state.form.fields).str(`line.${idx}`) : (lines.find((l) => l.index === idx)?.extension ?? "");
      return html`<label for="f-line-${idx}"><span class="l">Line ${idx}</span><select id="f-line-${idx}" name="line.${idx}"><option value="">(empty)</option>${exts.map((e) => html`<option value="${e.number}"${e.number === current ? raw(" selected") : ""}>${e.number} ${e.displayName}</option>`)}</select></label>`;
    });

    const slot = (n: number): Html => {
      const k = bySlot.get(n);
      const mine = ownBySlot.get(n);
      const sub = submittedKeys ? { kind: submittedKeys[`key.${n}.kind`] ?? "", value: submittedKeys[`key.${n}.value`] ?? "", label: submittedKeys[`key.${n}.label`] ?? "" } : null;
      const kind = sub?.kind ?? mine?.kind ?? "";
      const value = sub?.value ?? mine?.value ?? "";
      const label = sub?.label ?? mine?.label ?? "";
      const from = !mine && k ? (k.group ? `from group ${k.group}` : k.source === "layout" ? `from layout ${layoutName ?? ""}` : "") : mine?.kind === "blf_group" ? "group key" : "";
      const shows = k ? `${k.kind}${k.value ? ` ${k.value}` : ""}${k.label ?? k.targetName ? ` “${k.label ?? k.targetName}”` : ""}` : "";
      const module = n > limits.ownKeys ? ` (module ${Math.ceil((n - limits.ownKeys) / Math.max(limits.keysPerModule, 1))})` : "";
      const err = keysSt.errors[`key.${n}`];
      return html`<div class="key${!mine && k ? (k.group ? " from-group" : " from-layout") : ""}" role="group" aria-labelledby="key-${n}-n">
<div class="n" id="key-${n}-n">Key ${n}${module}</div>
${shows ? html`<div>${shows}</div>` : ""}${from ? html`<div class="muted">${from}</div>` : ""}
${write ? keyControls(n, { kind, value, label }, !mine && k ? "(from layout/group)" : "(empty)") : ""}
${err ? html`<p class="field-error">${err}</p>` : ""}</div>`;
    };

    ctx.status = override ? 400 : 200;
    ctx.type = "html";
    ctx.body = page(
      pc,
      `Device ${d.mac}`,
      html`${notice(done)}
<p>${d.vendor} ${d.model}${d.label ? ` · ${d.label}` : ""} · tenant ${tenant} · last fetch ${iso(d.lastSeenAt)}${d.lastIp ? ` from ${d.lastIp}` : ""} · firmware ${d.lastFirmware ?? "unknown"}</p>
${write
  ? html`<div class="actions">${form(pc, `/devices/${d.mac}/resync`, html``, { submit: "Resync", cls: "" })}${form(pc, `/devices/${d.mac}/reboot`, html``, { submit: "Reboot", cls: "", confirm: `Reboot ${d.mac}? Calls on it are cut.` })}</div>`
  : ""}
<section class="card" id="lines" aria-labelledby="lines-h"><h2 id="lines-h">Lines</h2>
${write ? form(pc, `/devices/${d.mac}/lines`, html`${generalErrors(linesSt)}${lineRows}`, { submit: "Save lines" }) : html`<fieldset disabled class="stack">${lineRows}</fieldset>`}</section>
<section class="card" id="keys" aria-labelledby="keys-h"><h2 id="keys-h">Keys</h2>
<p class="muted">${limits.id}: ${limits.ownKeys} keys on the phone${limits.modules ? `, ${limits.modules} expansion module(s) of ${limits.keysPerModule}` : ""}: ${limits.capacity} in all.${layoutName ? ` Layout: ${layoutName} (dashed keys come from it or from a group; a key set here overrides the layout's).` : ""}</p>
${effective.problems.length ? html`<div class="notice bad">${effective.problems.map((p) => html`<p>${p}</p>`)}</div>` : ""}
${(write ? (b: Html) => form(pc, `/devices/${d.mac}/keys`, b, { submit: "Save keys" }) : (b: Html) => b)(html`${generalErrors(keysSt)}<div class="keys">${Array.from({ length: limits.capacity }, (_, i) => slot(i + 1))}</div>`)}
</section>
<section class="card" id="files" aria-labelledby="files-h"><h2 id="files-h">Files</h2>
${table(
  ["File", "Last fetched", "Compared with now"],
  drift.files.map((f) => html`<tr><td><a href="/devices/${d.mac}/files/${f.name}">${f.name}</a></td><td>${iso(f.fetchedAt)}</td><td>${f.fetchedHash === null ? "never fetched" : f.fetchedHash === f.currentHash ? html`<span class="badge ok">same</span>` : html`<span class="badge bad">changed since</span>`}</td></tr>`),
)}
<p class="muted">Other files: ${files.filter((f) => f.kind !== "device").map((f) => f.name).join(", ") || "none"}.${seesSecrets(scope) ? "" : " Secrets in device files are masked for this account."}</p>
</section>`,
    );
  }

  r.get("/devices/:mac", (ctx) => devicePage(ctx));

  r.get("/devices/:mac/files/:name", async (ctx) => {
    const scope = ctx.state.scope!;
    const { d } = await device(ctx);
    const name = ctx.params.name!;
    const file = await previewFile(deps, d, name);
    // Admins read the file as the phone does; every other role gets each secret value masked (docs/portal.md).
    const clear = seesSecrets(scope);
    const now = clear ? file.body : maskSecretValues(file.body, file.secrets);
    const drift = (await deviceDrift(deps, d)).files.find((f) => f.name === name);
    const kept = file.kind === "device" ? lastServed(deps.db, d.id, name) : null;
    let copy: ServedCopy | null = null;
    let unreadable = false;
    if (kept) {
      try {
        copy = JSON.parse(deps.secrets.open(kept.bodyEnc)) as ServedCopy;
      } catch {
        unreadable = true;
      }
    }
    let diffView: Html = html``;
    if (kept && copy) {
      const before = clear ? copy.body : maskSecretValues(copy.body, [...copy.secrets, ...file.secrets]);
      const parts = diffLines(before, now);
      const changed = parts.filter((p) => p.added || p.removed).length;
      const split = (text: string) => text.replace(/\n$/, "").split("\n");
      // Unchanged runs keep two lines of context on each side.
      const context = (text: string) => {
        const all = split(text);
        return all.length <= 6 ? lines(text, " ") : `${lines(all.slice(0, 2).join("\n"), " ")}  … ${all.length - 4} unchanged line(s) …\n${lines(all.slice(-2).join("\n"), " ")}`;
      };
      const lines = (text: string, mark: string) => text.replace(/\n$/, "").split("\n").map((l) => `${mark} ${l}\n`).join("");
      diffView =
        kept.contentHash === file.contentHash
          ? html`<p><span class="badge ok">same</span> The phone last got exactly this file (${iso(kept.servedAt)}).</p>`
          : changed === 0
            ? html`<p><span class="badge bad">changed</span> Only a secret value differs from what the phone last got (${iso(kept.servedAt)}); it is masked for this account.</p>`
            : html`<p><span class="badge bad">changed</span> Lines removed (<del>-</del>) and added (<ins>+</ins>) since the phone last got it (${iso(kept.servedAt)}):</p>
<pre class="file" id="diff">${parts.map((p) => (p.added ? html`<ins>${lines(p.value, "+")}</ins>` : p.removed ? html`<del>${lines(p.value, "-")}</del>` : html`${context(p.value)}`))}</pre>`;
    } else if (file.kind === "device") {
      diffView = html`<p class="muted">${unreadable ? "The copy kept of the last fetch was sealed with a secret key this server no longer has; the next fetch replaces it." : drift?.fetchedHash ? "The phone fetched this file before phonehome kept served copies; the diff is shown after its next fetch." : "The phone has never fetched this file."}</p>`;
    }
    ctx.type = "html";
    ctx.body = page(
      pageContext(ctx),
      `${name} for ${d.mac}`,
      html`<p>${drift ? (drift.fetchedHash === null ? "The phone has never fetched this file." : drift.fetchedHash === drift.currentHash ? `The phone last fetched this same content (${iso(drift.fetchedAt)}).` : `This differs from what the phone last fetched (${iso(drift.fetchedAt)}); it gets this version at its next fetch.`) : ""}</p>
${clear || file.secrets.length === 0 ? "" : html`<p class="notice" role="note">Passwords and other secrets are masked (${MASK}): only an admin reads them.</p>`}
<section class="card" aria-labelledby="diff-h"><h2 id="diff-h">Against the last fetch</h2>${diffView}</section>
<section class="card" aria-labelledby="now-h"><h2 id="now-h">As the phone gets it now</h2>
<pre class="file" id="preview">${now}</pre></section><p><a href="/devices/${d.mac}#files">Back to the device</a></p>`,
    );
  });

  r.post("/devices/:mac/lines", async (ctx) => {
    const { d, tenant } = await device(ctx);
    requireOperate(ctx.state.scope!, tenant);
    const f = new Fields(ctx.state.form.fields);
    const lines = Array.from({ length: 64 }, (_, i) => ({ index: i + 1, extension: f.str(`line.${i + 1}`) })).filter((l) => l.extension !== "");
    try {
      await setLines(deps, d.mac, LinesInput.parse(lines));
    } catch (err) {
      const fe = formErrors(err, []);
      if (!fe) throw err;
      // lines[2].extension → "Line 3: …"
      const general = [...fe.general, ...Object.entries(fe.errors).map(([k, v]) => `${k}: ${v}`)].map((m) => m.replace(/^lines\[?\.?(\d+)\]?\.?(\w+)?: /, (_, i: string) => `Line ${lines[Number(i)]?.index ?? Number(i) + 1}: `));
      return devicePage(ctx, { id: "lines", st: { values: {}, errors: {}, general } });
    }
    ctx.status = 303;
    ctx.redirect(`/devices/${d.mac}?done=${encodeURIComponent("Lines saved; the phone gets them at its next fetch (Resync to make it fetch now).")}#lines`);
  });

  r.post("/devices/:mac/keys", async (ctx) => {
    const { d, tenant } = await device(ctx);
    requireOperate(ctx.state.scope!, tenant);
    const { values, keys } = readKeyForm(ctx.state.form.fields);
    try {
      await setKeys(deps, d.mac, KeysInput.parse(keys));
    } catch (err) {
      const fe = keyFormErrors(err, keys);
      if (!fe) throw err;
      return devicePage(ctx, { id: "keys", st: { values, ...fe } });
    }
    ctx.status = 303;
    ctx.redirect(`/devices/${d.mac}?done=${encodeURIComponent("Keys saved.")}#keys`);
  });

  for (const action of ["resync", "reboot"] as const) {
    r.post(`/devices/:mac/${action}`, async (ctx) => {
      const { d, tenant } = await device(ctx);
      requireOperate(ctx.state.scope!, tenant);
      let message: string;
      try {
        const { job, done } = await deviceAction(deps, options.sip, d.mac, action, currentActor());
        done.catch((err) => deps.logger.error({ err }, "NOTIFY job failed"));
        message = `${action === "resync" ? "Resync" : "Reboot"} sent to ${job.plan.target.transport}:${job.plan.target.host}:${job.plan.target.port}.`;
      } catch (err) {
        if (!(err instanceof AppError) || err.status >= 500) throw err;
        message = `Not sent: ${err.message}`;
      }
      ctx.status = 303;
      ctx.redirect(`/devices/${d.mac}?done=${encodeURIComponent(message)}`);
    });
  }
  return r;
}
