import Router from "@koa/router";
import { AppError, payloadTooLarge } from "../../errors.ts";
import { readCsv } from "../../onboarding/csv-source.ts";
import { EXTENSION_CSV } from "../../onboarding/extension-columns.ts";
import { exportExtensionsCsv } from "../../onboarding/extension-export.ts";
import { importExtensions } from "../../onboarding/extension-import.ts";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { readTenant } from "../../services/tenants.ts";
import { answer, flag, runUpload, type ImportRouteOptions } from "./onboarding.ts";
import { requireRole, type AdminState } from "./roles.ts";
import { queryParam } from "./query.ts";

/** Extensions by CSV (docs/onboarding.md#extensions-by-csv): the device import's reader, checks and report. */
export function extensionImportRoutes(deps: ProvisionDeps, options: ImportRouteOptions): Router<AdminState> {
  const r = new Router<AdminState>();
  r.post("/tenants/:tenant/extension-imports", async (ctx) => {
    requireRole(ctx, "admin");
    if (!ctx.is("text/csv")) throw new AppError(415, "unsupported_media_type", "send the file with Content-Type: text/csv");
    const length = Number(ctx.get("content-length") || 0);
    if (length > options.importLimitBytes) throw payloadTooLarge(`the file is larger than the upload limit of ${options.importLimitBytes} bytes (importBodyLimitBytes)`);
    const fileName = queryParam(ctx, "fileName")?.slice(0, 200) ?? null;
    await readTenant(deps, ctx.params.tenant!); // an unknown tenant answers 404 before the body is read
    const job = { kind: "extensions", tenant: ctx.params.tenant!, dryRun: flag(queryParam(ctx, "dryRun")), actor: `token:${ctx.state.tokenName}`, fileName } as const;
    const report = await runUpload(deps, options, ctx, job, (body, maxRows) =>
      importExtensions(deps, job.tenant, readCsv(body, EXTENSION_CSV, undefined, { maxRows }), { dryRun: job.dryRun, actor: job.actor, fileName }),
    );
    answer(ctx, report, (p) => p, "file");
  });
  r.get("/tenants/:tenant/exports/extensions.csv", async (ctx) => {
    const body = await exportExtensionsCsv(deps, ctx.params.tenant!); // an unknown tenant answers 404 before the stream starts
    ctx.type = "text/csv; charset=utf-8";
    ctx.attachment("extensions.csv");
    ctx.body = body;
  });
  return r;
}
