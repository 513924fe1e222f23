import Router from "@koa/router";
import { FirmwarePinInput } from "../../firmware/schemas.ts";
import { AppError, payloadTooLarge } from "../../errors.ts";
import { listFirmware, pinnedFirmwareIn } from "../../firmware/catalogue.ts";
import { deletePin, listPins, setPin } from "../../firmware/pins.ts";
import { addFirmware, deleteFirmware, getFirmware } from "../../firmware/service.ts";
import { firmwareStatus } from "../../firmware/status.ts";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { getDevice, listDevices } from "../../services/devices.ts";
import { requireRole, type AdminContext, type AdminState } from "./roles.ts";
import { queryParam } from "./query.ts";
import type { DeviceRow, FirmwareRow } from "../../db/rows.ts";

const iso = (ms: number) => new Date(ms).toISOString();

function presentFirmware(f: FirmwareRow) {
  return { id: f.id, vendor: f.vendor, models: f.models, version: f.version, fileName: f.fileName, originalName: f.originalName, size: f.size, sha256: f.sha256, createdAt: iso(f.createdAt) };
}

function query(ctx: AdminContext, name: string): string {
  const v = queryParam(ctx, name);
  if (v === undefined || v === "") throw new AppError(400, "invalid_input", `${name}: give it as a query parameter (?${name}=...)`);
  return v;
}

/**
 * /firmware (catalogue, upload), /tenants/{tenant}/firmware (pins), /devices/{mac}/firmware and
 * /firmware/rollout (reported vs target per device).
 */
export function firmwareRoutes(deps: ProvisionDeps, options: { maxBytes: number }): Router<AdminState> {
  const r = new Router<AdminState>();
  const dir = () => {
    if (!deps.firmwareDir) throw new AppError(503, "unavailable", "no firmware folder is configured");
    return deps.firmwareDir;
  };
  /** Reported against target of each device, its tenant's pins read in one `data.read`. */
  const rollout = (devices: readonly DeviceRow[]) =>
    deps.data.read(async (q) => {
      const out = [];
      for (const d of devices) {
        const target = (await pinnedFirmwareIn(q, d.tenantId, d.vendor, d.model))?.version ?? null;
        out.push({ mac: d.mac, vendor: d.vendor, model: d.model, reported: d.lastFirmware, target, status: firmwareStatus(d.lastFirmware, target) });
      }
      return out;
    });

  r.get("/firmware", async (ctx) => {
    ctx.body = { firmware: (await listFirmware(deps)).map(presentFirmware) };
  });
  // The image is the raw request body (application/octet-stream); its metadata is in the query.
  r.post("/firmware", async (ctx) => {
    requireRole(ctx, "admin");
    const declared = Number(ctx.get("content-length") || NaN);
    if (declared > options.maxBytes) throw payloadTooLarge(`the image is larger than the limit of ${options.maxBytes} bytes`);
    const input = { vendor: query(ctx, "vendor"), models: query(ctx, "models").split(","), version: query(ctx, "version"), name: query(ctx, "name") };
    const row = await addFirmware({ ...deps, firmwareDir: dir() }, input, ctx.req, options.maxBytes);
    ctx.status = 201;
    ctx.body = presentFirmware(row);
  });
  r.get("/firmware/rollout", async (ctx) => {
    const tenant = queryParam(ctx, "tenant");
    ctx.body = { devices: await rollout(await listDevices(deps, tenant)) };
  });
  r.get("/firmware/:id", async (ctx) => {
    ctx.body = presentFirmware(await getFirmware(deps, Number(ctx.params.id)));
  });
  r.delete("/firmware/:id", async (ctx) => {
    requireRole(ctx, "admin");
    await deleteFirmware({ ...deps, firmwareDir: dir() }, Number(ctx.params.id));
    ctx.status = 204;
  });
  r.get("/tenants/:tenant/firmware", async (ctx) => {
    ctx.body = { pins: await listPins(deps, ctx.params.tenant!) };
  });
  r.put("/tenants/:tenant/firmware/:vendor/:model", async (ctx) => {
    requireRole(ctx, "admin");
    const { version } = FirmwarePinInput.parse(ctx.request.body);
    ctx.body = await setPin(deps, ctx.params.tenant!, ctx.params.vendor!, ctx.params.model!, version);
  });
  r.delete("/tenants/:tenant/firmware/:vendor/:model", async (ctx) => {
    requireRole(ctx, "admin");
    await deletePin(deps, ctx.params.tenant!, ctx.params.vendor!, ctx.params.model!);
    ctx.status = 204;
  });
  r.get("/devices/:mac/firmware", async (ctx) => {
    ctx.body = (await rollout([await getDevice(deps, ctx.params.mac!)]))[0];
  });
  return r;
}
