import { randomBytes } from "node:crypto";
import Router from "@koa/router";
import { AppError, invalidInput } from "../../errors.ts";
import { batchStatus, batchTenants, getBatch, listBatches, STATUS_FILTERS, type BatchDeviceStatus } from "../../onboarding/batches.ts";
import { claimDevices, ClaimsInput, type Claim } from "../../onboarding/claim.ts";
import type { Problem } from "../../onboarding/columns.ts";
import { readDeviceCsv } from "../../onboarding/csv-source.ts";
import { importDevices, type ImportReport } from "../../onboarding/import.ts";
import { runImport } from "../../onboarding/off-thread.ts";
import { ImportJobs } from "../import-jobs.ts";
import { onlyTenants } from "../../onboarding/planner.ts";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { currentActor } from "../../services/actor.ts";
import { dismissDiscovered, listDiscovered } from "../../services/discovery.ts";
import { listTenants } from "../../services/tenants.ts";
import { html, raw, type Html } from "../html.ts";
import { Fields, pageContext, type PortalContext, type PortalState } from "../request.ts";
import { canOperate, seesTenant, type Scope } from "../scope.ts";
import type { PortalOptions } from "../settings.ts";
import { form, formErrors, notice, page, table, type PageContext } from "../ui.ts";

const iso = (ms: number | null) => (ms === null ? "never" : new Date(ms).toISOString().replace("T", " ").slice(0, 19));
const BATCH_PAGE = 100;

/**
 * A checked CSV file waiting for its "Import" click, kept in memory for the session that checked it
 * (so the technician does not choose the file twice on a phone). Bounded by count, total bytes and
 * age; a restart forgets it (check the file again). Nothing here is a secret: MACs, tenants, lines.
 */
class StagedFiles {
  private readonly files = new Map<string, { session: string; fileName: string | null; data: Buffer; at: number }>();
  constructor(
    private readonly maxBytes: number,
    private readonly ttlMs = 30 * 60_000,
    private readonly maxFiles = 16,
  ) {}
  put(session: string, fileName: string | null, data: Buffer, now: number): string {
    this.prune(now);
    const token = randomBytes(18).toString("base64url");
    this.files.set(token, { session, fileName, data, at: now });
    let total = [...this.files.values()].reduce((n, f) => n + f.data.length, 0);
    for (const [k, f] of this.files) {
      if (this.files.size <= this.maxFiles && total <= this.maxBytes) break;
      if (k === token) continue;
      this.files.delete(k);
      total -= f.data.length;
    }
    return token;
  }
  take(session: string, token: string, now: number): { fileName: string | null; data: Buffer } | null {
    this.prune(now);
    const f = this.files.get(token);
    if (!f || f.session !== session) return null;
    this.files.delete(token);
    return f;
  }
  private prune(now: number): void {
    for (const [k, f] of this.files) if (now - f.at > this.ttlMs) this.files.delete(k);
  }
}

/** Claim fields of one inbox entry: `<field>.<mac>`. */
const claimName = (field: string, mac: string) => `${field}.${mac}`;
/** CSV column → claim form field. */
const CLAIM_FIELD: Record<string, string> = { key_layout: "keyLayout", lines: "lines", tenant: "tenant", model: "model", vendor: "vendor", label: "label", mac: "mac" };

/**
 * Onboarding for a field technician (docs/portal.md, docs/onboarding.md): the discovery inbox with
 * claim, a CSV upload with its dry-run report, the import, and each batch's progress. Everything runs
 * through src/onboarding/ (the same checks and write path as the API and the CLI).
 */
/** A held upload in chunks of 64 KiB, as the worker takes a streamed one. */
async function* chunksOf(data: Buffer): AsyncGenerator<Buffer> {
  for (let at = 0; at < data.length; at += 65_536) yield data.subarray(at, at + 65_536);
}

export function onboardingRoutes(deps: ProvisionDeps, options: PortalOptions): Router<PortalState> {
  const r = new Router<PortalState>();
  const staged = new StagedFiles(Math.max(options.importLimitBytes * 2, 8 * 1024 * 1024));
  const jobs = new ImportJobs(() => deps.clock().getTime());

  const operator = (ctx: PortalContext): Scope => {
    const scope = ctx.state.scope!;
    if (!canOperate(scope)) throw new AppError(403, "forbidden", "onboarding needs the admin or technician role");
    return scope;
  };
  /** The inbox holds phones of no tenant yet: only accounts across every tenant see and claim them. */
  const seesInbox = (scope: Scope) => scope.unlimited && canOperate(scope);
  const tenantRefused = (scope: Scope) => (scope.tenants === null ? () => null : onlyTenants(scope.tenants));

  /** Batches the account may open: every batch across tenants; a limited account only its own. */
  function visibleBatch(scope: Scope, b: { actor: string }): boolean {
    return scope.tenants === null || b.actor === currentActor();
  }

  interface InboxState {
    readonly values: URLSearchParams | null;
    readonly errors: Record<string, string>;
    readonly general: string[];
  }

  async function inboxSection(pc: PageContext, scope: Scope, st: InboxState): Promise<Html> {
    if (!seesInbox(scope)) return html`<section class="card" id="inbox" aria-labelledby="inbox-h"><h2 id="inbox-h">Discovery inbox</h2><p class="muted">Phones that called in unknown belong to no tenant yet: only an admin or technician across every tenant sees and claims them.</p></section>`;
    const entries = await listDiscovered(deps);
    const tenants = await listTenants(deps);
    const v = new Fields(st.values ?? new URLSearchParams());
    const val = (field: string, mac: string, fallback: string) => (st.values ? v.str(claimName(field, mac)) : fallback);
    const err = (field: string, mac: string) => {
      const e = st.errors[claimName(field, mac)];
      return e ? html`<p class="field-error" id="e-${field}-${mac}">${e}</p>` : html``;
    };
    const aria = (field: string, mac: string) => (st.errors[claimName(field, mac)] ? html` aria-invalid="true" aria-describedby="e-${field}-${mac}"` : html``);
    const picked = new Set(v.all("claim"));
    const cards = entries.map(
      (d) => html`<fieldset class="card claim" id="inbox-${d.mac}"><legend>${d.mac}</legend>
<p class="muted">${d.vendor ?? "unknown vendor"} ${d.model ?? "unknown model"}${d.firmware ? ` · firmware ${d.firmware}` : ""} · from ${d.sourceIp} over ${d.transport} · asked for ${d.lastFile} · ${d.requestCount} request(s), last ${iso(d.lastSeenAt)}</p>
${d.userAgent ? html`<p class="muted">User-Agent: <code class="ua">${d.userAgent}</code></p>` : ""}
<label class="check"><input type="checkbox" name="claim" value="${d.mac}"${picked.has(d.mac) ? raw(" checked") : ""}> <span>Claim ${d.mac}</span></label>
${err("mac", d.mac)}
<label for="f-tenant-${d.mac}"><span class="l">Tenant</span><select id="f-tenant-${d.mac}" name="${claimName("tenant", d.mac)}"${aria("tenant", d.mac)}>${tenants.map((t) => html`<option value="${t.name}"${t.name === val("tenant", d.mac, tenants[0]?.name ?? "") ? raw(" selected") : ""}>${t.name}</option>`)}</select></label>${err("tenant", d.mac)}
<label for="f-lines-${d.mac}"><span class="l">Extensions (line order)</span><span class="muted">e.g. 101 or 101;102</span><input id="f-lines-${d.mac}" type="text" inputmode="numeric" name="${claimName("lines", d.mac)}" value="${val("lines", d.mac, "")}"${aria("lines", d.mac)}></label>${err("lines", d.mac)}
<label for="f-model-${d.mac}"><span class="l">Model</span><span class="muted">default: what the phone reported</span><input id="f-model-${d.mac}" type="text" name="${claimName("model", d.mac)}" value="${val("model", d.mac, d.model ?? "")}"${aria("model", d.mac)}></label>${err("model", d.mac)}
<label for="f-label-${d.mac}"><span class="l">Label or location</span><input id="f-label-${d.mac}" type="text" name="${claimName("label", d.mac)}" value="${val("label", d.mac, "")}"${aria("label", d.mac)}></label>${err("label", d.mac)}
<div class="actions"><button type="submit" class="secondary" formaction="/onboarding/dismiss" name="dismiss" value="${d.mac}">Dismiss ${d.mac}</button></div>
</fieldset>`,
    );
    return html`<section class="card" id="inbox" aria-labelledby="inbox-h"><h2 id="inbox-h">Discovery inbox</h2>
<p class="muted">${entries.length} phone(s) called in unknown. Tick the ones to claim, give each its tenant and extensions, then claim them together (all or nothing, checked like CSV rows).</p>
${entries.length
  ? form(pc, "/onboarding/claim", html`${st.general.length ? html`<div class="notice bad" role="alert">${st.general.map((g) => html`<p>${g}</p>`)}</div>` : ""}${cards}`, { submit: "Claim the ticked phones" })
  : html`<p>The inbox is empty.</p>`}
</section>`;
  }

  function reportTable(report: ImportReport): Html {
    return table(
      ["Row", "Column", "Reason"],
      report.problems.map((p: Problem) => html`<tr><td>${p.row}</td><td>${p.column ?? "(the row)"}</td><td>${p.reason}</td></tr>`),
      report.problemCount > report.problems.length ? `The first ${report.problems.length} of ${report.problemCount} problems.` : `${report.problemCount} problem(s).`,
    );
  }

  function uploadSection(pc: PageContext, result?: { report?: ImportReport; error?: string; token?: string; fileName: string | null }): Html {
    let outcome = html``;
    if (result?.error) {
      outcome = html`<div class="notice bad" role="alert" id="csv-result"><p>${result.fileName ?? "The file"}: ${result.error}</p><p>Nothing was written.</p></div>`;
    } else if (result?.report) {
      const rep = result.report;
      outcome = rep.accepted
        ? html`<div class="notice ok" role="status" id="csv-result"><p>${result.fileName ?? "The file"}: ${rep.rows} row(s) checked, no problem. Importing would create ${rep.created}, update ${rep.updated} and leave ${rep.unchanged} unchanged. Nothing was written yet.</p></div>
${result.token ? form(pc, "/onboarding/csv", html`<input type="hidden" name="staged" value="${result.token}">`, { submit: "Import this file" }) : ""}`
        : html`<div class="notice bad" role="alert" id="csv-result"><p>${result.fileName ?? "The file"}: ${rep.problemCount} problem(s) in ${rep.rows} row(s); nothing was written. Correct the rows below and check the file again.</p></div>${reportTable(rep)}`;
    }
    return html`<section class="card" id="csv" aria-labelledby="csv-h"><h2 id="csv-h">Import a CSV file</h2>
<p class="muted">Columns <code>mac, vendor, model, tenant, lines, label, key_layout</code> (docs/onboarding.md). Check it first: every problem is listed with its row and column, and nothing is written until the whole file is right.</p>
${outcome}
${form(
  pc,
  "/onboarding/csv",
  html`<label for="f-csv"><span class="l">CSV file (UTF-8, at most ${Math.floor(options.importLimitBytes / 1048576)} MiB)</span><input id="f-csv" type="file" name="csv" accept=".csv,text/csv" required></label>
<div class="actions"><button type="submit" name="mode" value="check">Check the file (dry run)</button><button type="submit" name="mode" value="import" class="secondary">Import without checking first</button></div>`,
  { multipart: true },
)}</section>`;
  }

  async function batchesSection(scope: Scope): Promise<Html> {
    const rows = (await listBatches(deps, 20)).filter((b) => visibleBatch(scope, b));
    return html`<section class="card" id="batches" aria-labelledby="batches-h"><h2 id="batches-h">Recent batches</h2>
${rows.length
  ? table(
      ["Batch", "When", "By", "Source", "Rows", "Created / updated"],
      rows.map((b) => html`<tr><td><a href="/onboarding/batches/${b.id}">${b.id}</a></td><td>${iso(b.createdAt)}</td><td>${b.actor}</td><td>${b.source}${b.fileName ? html` <span class="muted">${b.fileName}</span>` : ""}</td><td>${b.rows}</td><td>${b.created} / ${b.updated}</td></tr>`),
    )
  : html`<p class="muted">No batch yet.</p>`}</section>`;
  }

  async function onboardingPage(ctx: PortalContext, o: { inbox?: InboxState; upload?: Parameters<typeof uploadSection>[1]; status?: number } = {}): Promise<void> {
    const scope = operator(ctx);
    const pc = pageContext(ctx);
    const inbox = await inboxSection(pc, scope, o.inbox ?? { values: null, errors: {}, general: [] });
    const batches = await batchesSection(scope);
    const done = typeof ctx.query.done === "string" ? ctx.query.done.slice(0, 200) : undefined;
    ctx.status = o.status ?? 200;
    ctx.type = "html";
    ctx.body = page(
      pc,
      "Onboarding",
      html`${notice(done)}
<ul class="tabs" aria-label="Sections"><li><a href="#inbox">Discovery inbox</a></li><li><a href="#csv">CSV import</a></li><li><a href="#batches">Batches</a></li></ul>
${inbox}
${uploadSection(pc, o.upload)}
${batches}`,
    );
  }

  r.get("/onboarding", (ctx) => onboardingPage(ctx));

  r.post("/onboarding/dismiss", async (ctx) => {
    const scope = operator(ctx);
    if (!seesInbox(scope)) throw new AppError(403, "forbidden", "the discovery inbox needs the admin or technician role across every tenant");
    const mac = new Fields(ctx.state.form.fields).str("dismiss");
    await dismissDiscovered(deps, mac);
    ctx.status = 303;
    ctx.redirect(`/onboarding?done=${encodeURIComponent(`${mac} dismissed from the inbox.`)}#inbox`);
  });

  r.post("/onboarding/claim", async (ctx) => {
    const scope = operator(ctx);
    if (!seesInbox(scope)) throw new AppError(403, "forbidden", "the discovery inbox needs the admin or technician role across every tenant");
    const values = ctx.state.form.fields;
    const f = new Fields(values);
    const macs = f.all("claim");
    const fail = (errors: Record<string, string>, general: string[]) => onboardingPage(ctx, { inbox: { values, errors, general }, status: 400 });
    if (macs.length === 0) return fail({}, ["Tick at least one phone to claim."]);
    const claims: Claim[] = macs.map((mac) => ({
      mac,
      tenant: f.str(claimName("tenant", mac)),
      lines: f.str(claimName("lines", mac)).split(/[;,\s]+/).filter((x) => x !== ""),
      ...(f.opt(claimName("model", mac)) ? { model: f.opt(claimName("model", mac))! } : {}),
      label: f.opt(claimName("label", mac)),
    }));
    let report: ImportReport;
    try {
      report = await claimDevices(deps, ClaimsInput.parse({ claims }), currentActor(), { tenantRefused: tenantRefused(scope) });
    } catch (err) {
      const fe = formErrors(err, []);
      if (!fe) throw err;
      // claims.0.lines → the lines field of the first ticked phone.
      const errors: Record<string, string> = {};
      const general: string[] = [...fe.general];
      for (const [k, v] of Object.entries(fe.errors)) general.push(`${k}: ${v}`);
      for (let i = general.length - 1; i >= 0; i--) {
        const m = /^claims\.(\d+)\.(\w+)(?:\.\d+)?: (.+)$/.exec(general[i]!);
        if (m && macs[Number(m[1])]) {
          errors[claimName(m[2]!, macs[Number(m[1])]!)] = m[3]!;
          general.splice(i, 1);
        }
      }
      return fail(errors, general);
    }
    if (!report.accepted) {
      const errors: Record<string, string> = {};
      for (const p of report.problems) {
        const mac = macs[p.row - 1]!;
        const key = claimName(p.column ? (CLAIM_FIELD[p.column] ?? p.column) : "mac", mac);
        errors[key] = errors[key] ? `${errors[key]}; ${p.reason}` : p.reason;
      }
      return fail(errors, [`${report.problemCount} problem(s); nothing was claimed. Each is shown on its phone below.`]);
    }
    ctx.status = 303;
    ctx.redirect(report.batchId !== null ? `/onboarding/batches/${report.batchId}?done=${encodeURIComponent(`${report.created} phone(s) claimed.`)}` : "/onboarding");
  });

  r.post("/onboarding/csv", async (ctx) => {
    const scope = operator(ctx);
    const session = ctx.state.session!.id;
    const f = new Fields(ctx.state.form.fields);
    const now = deps.clock().getTime();
    let file: { fileName: string | null; data: Buffer };
    let dryRun: boolean;
    const token = f.str("staged");
    if (token) {
      const found = staged.take(session, token, now);
      if (!found) throw invalidInput("staged: the checked file is no longer held (it is kept 30 minutes, for the session that checked it); choose it and check it again");
      file = found;
      dryRun = false;
    } else {
      const up = ctx.state.form.files.get("csv");
      if (!up || up.data.length === 0) return onboardingPage(ctx, { upload: { error: "choose a CSV file first", fileName: null }, status: 400 });
      file = { fileName: up.filename.slice(0, 200), data: up.data };
      dryRun = f.str("mode") !== "import";
    }
    // In the server's import worker, as POST /imports: phones are served while it runs, and the
    // import's own page follows its progress (rows checked, devices written) until it is done.
    const job = { kind: "devices", dryRun, actor: currentActor(), fileName: file.fileName, ...(scope.tenants ? { onlyTenants: scope.tenants } : {}) } as const;
    const started = jobs.start(
      session,
      file.fileName,
      dryRun,
      file.data,
      async (progress) => {
        let checked = 0;
        const onChecked = (rows: number) => progress({ checked: (checked = rows), written: 0, total: null });
        const onWritten = (written: number, total: number) => progress({ checked, written, total });
        return (await runImport(
          deps,
          options,
          job,
          chunksOf(file.data),
          (body, maxRows) => importDevices(deps, readDeviceCsv(body, undefined, { maxRows }), { dryRun, actor: job.actor, source: "csv", fileName: file.fileName, tenantRefused: tenantRefused(scope), onChecked, onWritten }),
          progress,
        )) as ImportReport;
      },
      (err) => {
        if (err instanceof AppError && err.status < 500) return err.message;
        deps.logger.error({ err }, "portal CSV import failed");
        return null;
      },
    );
    ctx.status = 303;
    ctx.redirect(`/onboarding/imports/${started.id}`);
  });

  /** An import's page: its progress while it runs (live, or reloaded every 2 s without JavaScript), then its outcome. */
  r.get("/onboarding/imports/:id", (ctx) => {
    operator(ctx);
    const job = jobs.get(ctx.state.session!.id, ctx.params.id!);
    if (!job) throw new AppError(404, "not_found", "this import is not known here: an import's page is kept 30 minutes after it has finished, for the session that started it (and a restart forgets it). Its batch is listed under Onboarding");
    const self = `/onboarding/imports/${job.id}`;
    const json = ctx.accepts("html", "json") === "json";
    if (job.finishedAt !== null) {
      if (json) {
        ctx.body = { done: true, location: self };
        return;
      }
      const rep = job.report;
      if (rep && rep.accepted && !rep.dryRun) {
        const done = `${job.fileName ?? "The file"} imported: ${rep.created} created, ${rep.updated} updated, ${rep.unchanged} unchanged.`;
        ctx.status = 303;
        return ctx.redirect(rep.batchId !== null ? `/onboarding/batches/${rep.batchId}?done=${encodeURIComponent(done)}` : `/onboarding?done=${encodeURIComponent(`${done} Nothing changed, so no batch was recorded.`)}`);
      }
      if (rep && rep.accepted) {
        if (job.token === null) {
          job.token = staged.put(job.session, job.fileName, job.data, deps.clock().getTime());
          job.data = Buffer.alloc(0); // held by the staging from here on
        }
        return onboardingPage(ctx, { upload: { report: rep, fileName: job.fileName, token: job.token } });
      }
      return onboardingPage(ctx, { upload: rep ? { report: rep, fileName: job.fileName } : { error: job.error ?? "the import failed", fileName: job.fileName }, status: 400 });
    }
    const p = job.progress;
    const phase = p.total === null ? "checking every row (nothing is written before the whole file is right)" : job.dryRun ? "checked" : "writing, all rows in one transaction (it waits while another writer holds the database)";
    if (json) {
      ctx.body = {
        done: false,
        cells: [
          { id: "imp-checked", text: String(p.checked) },
          { id: "imp-written", text: String(p.written) },
          { id: "imp-total", text: p.total === null ? "?" : String(p.total) },
          { id: "imp-phase", text: phase },
          ...(p.total === null ? [] : [{ id: "imp-bar", text: `${p.written} of ${p.total}`, value: p.written, max: Math.max(p.total, 1) }]),
        ],
      };
      return;
    }
    ctx.type = "html";
    ctx.body = page(
      pageContext(ctx),
      `${job.dryRun ? "Checking" : "Importing"} ${job.fileName ?? "a CSV file"}`,
      html`<div data-poll="${self}" class="card" id="import-progress">
<p aria-live="polite"><strong id="imp-checked">${p.checked}</strong> row(s) checked · <strong id="imp-written">${p.written}</strong> of <span id="imp-total">${p.total === null ? "?" : p.total}</span> device(s) written</p>
<p class="muted" id="imp-phase">${phase}</p>
${p.total === null ? html`<progress id="imp-bar" aria-label="Devices written">${p.written} written</progress>` : html`<progress id="imp-bar" max="${Math.max(p.total, 1)}" value="${p.written}" aria-label="Devices written">${p.written} of ${p.total}</progress>`}
<p class="muted">This page updates by itself and shows the outcome when the import has finished. Phones are served meanwhile.</p></div>
<p><a href="/onboarding">Back to onboarding</a></p>`,
      { refreshSeconds: 2 },
    );
  });

  const stateText = (d: BatchDeviceStatus) => (d.state === "fetched" ? "fetched its configuration" : d.state === "refused" ? "called in, refused" : "not called in yet");

  r.get("/onboarding/batches/:id", async (ctx) => {
    const scope = operator(ctx);
    const id = Number(ctx.params.id);
    const batch = await getBatch(deps, id);
    if (!visibleBatch(scope, batch)) throw new AppError(403, "forbidden", `batch ${id} was made by another account`);
    const status = await batchStatus(deps, id);
    const filter = typeof ctx.query.state === "string" && STATUS_FILTERS.includes(ctx.query.state as never) ? ctx.query.state : "";
    const all = status.devices.filter((d) => !filter || d.state === filter || (filter === "registered" && d.registered));
    const pageNo = Math.max(1, Number.parseInt(String(ctx.query.page ?? "1"), 10) || 1);
    const pages = Math.max(1, Math.ceil(all.length / BATCH_PAGE));
    const shown = all.slice((pageNo - 1) * BATCH_PAGE, pageNo * BATCH_PAGE);
    const total = status.devices.length;
    const settled = status.summary.fetched === total && status.summary.registered === total;
    const counts = [
      { id: "b-fetched", text: String(status.summary.fetched) },
      { id: "b-registered", text: String(status.summary.registered) },
      { id: "b-refused", text: String(status.summary.refused) },
      { id: "b-never", text: String(status.summary.never) },
    ];
    if (ctx.accepts("html", "json") === "json") {
      ctx.body = {
        done: settled,
        cells: [
          ...counts,
          ...shown.flatMap((d) => [
            { id: `d-${d.mac}-state`, text: stateText(d) },
            { id: `d-${d.mac}-fetch`, text: iso(d.firstFetchAt) },
            { id: `d-${d.mac}-reg`, text: d.registered ? "registered" : "no" },
          ]),
        ],
      };
      return;
    }
    const names = new Map((await batchTenants(deps, id)).map((x) => [x.mac, x.tenant]));
    const link = (p: number) => `/onboarding/batches/${id}?${new URLSearchParams({ ...(filter ? { state: filter } : {}), page: String(p) })}`;
    const done = typeof ctx.query.done === "string" ? ctx.query.done.slice(0, 300) : undefined;
    ctx.type = "html";
    ctx.body = page(
      pageContext(ctx),
      `Batch ${id}`,
      html`${notice(done)}
<p>${batch.source === "claim" ? "Claim" : batch.source === "csv" ? "CSV import" : "Extension import"}${batch.fileName ? html` of <code>${batch.fileName}</code>` : ""} by ${batch.actor}, ${iso(batch.createdAt)}: ${batch.rows} row(s), ${batch.created} created, ${batch.updated} updated, ${batch.unchanged} unchanged.</p>
<div data-poll="/onboarding/batches/${id}${pageNo > 1 || filter ? `?${new URLSearchParams({ ...(filter ? { state: filter } : {}), page: String(pageNo) })}` : ""}">
<p aria-live="polite"><strong id="b-fetched">${status.summary.fetched}</strong> of ${total} fetched their configuration · <strong id="b-registered">${status.summary.registered}</strong> registered · <strong id="b-refused">${status.summary.refused}</strong> called in but refused · <strong id="b-never">${status.summary.never}</strong> not called in yet</p>
<progress max="${total}" value="${status.summary.fetched}" aria-label="Phones that fetched their configuration">${status.summary.fetched} of ${total}</progress>
${settled ? "" : html`<p class="muted">This page updates by itself.</p>`}
<form method="get" action="/onboarding/batches/${id}" class="stack" role="search"><label for="f-state"><span class="l">Show</span><select id="f-state" name="state">${[["", "every phone"], ...STATUS_FILTERS.map((s) => [s, s === "never" ? "not called in" : s])].map(([v, l]) => html`<option value="${v!}"${v === filter ? raw(" selected") : ""}>${l!}</option>`)}</select></label><div class="actions"><button type="submit">Show</button></div></form>
${table(
  ["Row", "Phone", "Tenant", "Action", "State", "First fetch", "Registered"],
  shown.map(
    (d) => html`<tr><td>${d.row}</td><td>${seesTenant(scope, names.get(d.mac) ?? "") ? html`<a href="/devices/${d.mac}">${d.mac}</a>` : d.mac}</td><td>${names.get(d.mac) ?? "(deleted)"}</td><td>${d.action}</td><td id="d-${d.mac}-state">${stateText(d)}</td><td id="d-${d.mac}-fetch">${iso(d.firstFetchAt)}</td><td id="d-${d.mac}-reg">${d.registered ? "registered" : "no"}</td></tr>`,
  ),
  `${all.length} phone(s); page ${pageNo} of ${pages}.`,
)}</div>
<nav aria-label="Pages" class="actions">${pageNo > 1 ? html`<a class="button secondary" href="${link(pageNo - 1)}">Previous page</a>` : ""}${pageNo < pages ? html`<a class="button secondary" href="${link(pageNo + 1)}">Next page</a>` : ""}</nav>
<p><a href="/onboarding">Back to onboarding</a></p>`,
      { refreshSeconds: settled ? undefined : 5 },
    );
  });
  return r;
}
