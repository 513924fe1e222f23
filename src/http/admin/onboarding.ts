import Router from "@koa/router";
import { AppError, invalidInput, payloadTooLarge } from "../../errors.ts";
import { batchStatus, listBatches, STATUS_FILTERS, type BatchSummary } from "../../onboarding/batches.ts";
import { claimDevices, claimField, ClaimsInput } from "../../onboarding/claim.ts";
import { formatProblem, type Problem } from "../../onboarding/columns.ts";
import { readDeviceCsv } from "../../onboarding/csv-source.ts";
import { exportDevicesCsv } from "../../onboarding/export.ts";
import type { ImportReport } from "../../onboarding/import.ts";
import { importDevices } from "../../onboarding/import.ts";
import { runImport, type ImportJob, type ImportRunner } from "../../onboarding/off-thread.ts";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { requireRole, type AdminContext, type AdminState } from "./roles.ts";
import { queryParam } from "./query.ts";

/**
 * Bulk onboarding (docs/onboarding.md): CSV upload and export, claiming from the discovery inbox,
 * onboarding status per batch. Admins and technicians; nothing here carries a secret.
 */
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function presentBatch(b: BatchSummary) {
  return { ...b, createdAt: iso(b.createdAt) };
}

export const flag = (v: unknown): boolean => v === "1" || v === "true";

/** The request body as a stream, refused past `limit` bytes (checked as it arrives, not buffered). */
async function* limitedBody(ctx: AdminContext, limit: number): AsyncGenerator<Buffer> {
  let seen = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    seen += chunk.length;
    if (seen > limit) throw payloadTooLarge(`the file is larger than the upload limit of ${limit} bytes (importBodyLimitBytes)`);
    yield chunk;
  }
}

/** What the import routes are given: the upload limits, and the worker runner when the server has one. */
export interface ImportRouteOptions {
  readonly importLimitBytes: number;
  /** Config importMaxRows. */
  readonly importMaxRows?: number;
  /** Runs imports off the event loop (src/onboarding/off-thread.ts); without it they run in process. */
  readonly imports?: ImportRunner;
}

/** A streamed CSV upload through `runImport` (src/onboarding/off-thread.ts), refused past importLimitBytes. */
export function runUpload(
  deps: ProvisionDeps,
  options: ImportRouteOptions,
  ctx: AdminContext,
  job: Omit<ImportJob, "maxRows">,
  inProcess: (body: AsyncIterable<Uint8Array>, maxRows: number) => Promise<ImportReport<string>>,
): Promise<ImportReport<string>> {
  return runImport(deps, options, job, limitedBody(ctx, options.importLimitBytes), inProcess);
}

export function answer<C extends string>(ctx: AdminContext, report: ImportReport<C>, problem: (p: Problem<C>) => unknown, what: "file" | "claims"): void {
  if (!report.accepted) {
    ctx.status = 400;
    const first = report.problems.slice(0, 3).map((p) => (what === "file" ? formatProblem(p) : formatProblem(p).replace(/^row/, "claim")));
    const message = `${report.problemCount} problem(s) in the ${what}; nothing was written. ${first.join("; ")}`;
    ctx.body = { error: { code: "invalid_input", message, rows: report.rows, problemCount: report.problemCount, problems: report.problems.map(problem) } };
    return;
  }
  ctx.status = report.batchId !== null ? 201 : 200;
  const { problems: _none, problemCount: _zero, ...rest } = report;
  ctx.body = rest;
}

export function onboardingRoutes(deps: ProvisionDeps, options: ImportRouteOptions): Router<AdminState> {
  const r = new Router<AdminState>();
  const writer = (ctx: AdminContext) => requireRole(ctx, "admin", "technician");
  const actor = (ctx: AdminContext) => `token:${ctx.state.tokenName}`;

  r.post("/imports", async (ctx) => {
    writer(ctx);
    if (!ctx.is("text/csv")) throw new AppError(415, "unsupported_media_type", "send the file with Content-Type: text/csv");
    const length = Number(ctx.get("content-length") || 0);
    if (length > options.importLimitBytes) throw payloadTooLarge(`the file is larger than the upload limit of ${options.importLimitBytes} bytes (importBodyLimitBytes)`);
    const fileName = queryParam(ctx, "fileName")?.slice(0, 200) ?? null;
    const job = { kind: "devices", dryRun: flag(queryParam(ctx, "dryRun")), actor: actor(ctx), fileName } as const;
    const report = await runUpload(deps, options, ctx, job, (body, maxRows) =>
      importDevices(deps, readDeviceCsv(body, undefined, { maxRows }), { dryRun: job.dryRun, actor: job.actor, source: "csv", fileName }),
    );
    answer(ctx, report, (p) => p, "file");
  });
  r.get("/imports", async (ctx) => {
    ctx.body = { imports: (await listBatches(deps)).map(presentBatch) };
  });
  r.get("/imports/:id", async (ctx) => {
    const state = queryParam(ctx, "state");
    if (state !== undefined && !STATUS_FILTERS.includes(state as never)) throw invalidInput(`state: must be one of ${STATUS_FILTERS.join(", ")}`);
    const { batch, summary, devices } = await batchStatus(deps, Number(ctx.params.id));
    ctx.body = {
      ...presentBatch(batch),
      summary,
      devices: devices
        .filter((d) => state === undefined || d.state === state || (state === "registered" && d.registered))
        .map((d) => ({ ...d, firstFetchAt: iso(d.firstFetchAt), lastRequestAt: iso(d.lastRequestAt) })),
    };
  });
  r.get("/exports/devices.csv", async (ctx) => {
    const tenant = queryParam(ctx, "tenant");
    // An unknown tenant answers 404 before the stream starts (exportDevicesCsv reads it first).
    const body = await exportDevicesCsv(deps, tenant);
    ctx.type = "text/csv; charset=utf-8";
    ctx.attachment("devices.csv");
    ctx.body = body;
  });
  r.post("/discovered-devices/claim", async (ctx) => {
    writer(ctx);
    const report = await claimDevices(deps, ClaimsInput.parse(ctx.request.body), actor(ctx));
    answer(ctx, report, (p) => ({ claim: p.row, field: p.column ? claimField(p.column) : null, reason: p.reason }), "claims");
  });
  return r;
}
