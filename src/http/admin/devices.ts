import Router from "@koa/router";
import { tenants } from "../../db/schema.ts";
import { forbidden } from "../../errors.ts";
import { deviceFiles, previewFile } from "../../provisioning/preview.ts";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { getKeys, getLines, setKeys, setLines } from "../../services/device-layout.ts";
import { createDevice, deleteDevice, deviceCredentials, getDevice, listDevices, updateDevice } from "../../services/devices.ts";
import { lineKeyWarnings } from "../../services/line-key-warnings.ts";
import { DeviceInput, DevicePatch, KeysBody, LinesBody, parseListBody } from "../../services/schemas.ts";
import { presentDevice } from "./presenters.ts";
import { queryParam } from "./query.ts";
import { requireRole, seesSecrets, type AdminContext, type AdminState } from "./roles.ts";
import type { DeviceRow } from "../../db/rows.ts";

/** /devices, /devices/{mac}/lines, /devices/{mac}/keys, /devices/{mac}/files[/{name}] */
export function deviceRoutes(deps: ProvisionDeps): Router<AdminState> {
  const r = new Router<AdminState>();
  const tenantNames = () => new Map(deps.db.select({ id: tenants.id, name: tenants.name }).from(tenants).all().map((t) => [t.id, t.name]));
  const present = (ctx: AdminContext, d: DeviceRow, names = tenantNames()) =>
    presentDevice(d, names.get(d.tenantId) ?? "", seesSecrets(ctx) ? deviceCredentials(deps, d) : null);
  const writer = (ctx: AdminContext) => requireRole(ctx, "admin", "technician");

  r.get("/devices", (ctx) => {
    const tenant = queryParam(ctx, "tenant");
    const names = tenantNames();
    ctx.body = { devices: listDevices(deps, tenant).map((d) => present(ctx, d, names)) };
  });
  r.post("/devices", (ctx) => {
    writer(ctx);
    ctx.status = 201;
    ctx.body = present(ctx, createDevice(deps, DeviceInput.parse(ctx.request.body)));
  });
  r.get("/devices/:mac", (ctx) => {
    const d = getDevice(deps, ctx.params.mac!);
    ctx.body = { ...present(ctx, d), lines: getLines(deps, d.mac), keys: getKeys(deps, d.mac) };
  });
  r.patch("/devices/:mac", (ctx) => {
    writer(ctx);
    ctx.body = present(ctx, updateDevice(deps, ctx.params.mac!, DevicePatch.parse(ctx.request.body)));
  });
  r.delete("/devices/:mac", (ctx) => {
    writer(ctx);
    deleteDevice(deps, ctx.params.mac!);
    ctx.status = 204;
  });
  r.get("/devices/:mac/lines", (ctx) => {
    ctx.body = { lines: getLines(deps, ctx.params.mac!) };
  });
  r.put("/devices/:mac/lines", (ctx) => {
    writer(ctx);
    const lines = setLines(deps, ctx.params.mac!, parseListBody(LinesBody, "lines", ctx.request.body).lines);
    ctx.body = { lines, warnings: lineKeyWarnings(deps.db, [getDevice(deps, ctx.params.mac!).id]) };
  });
  r.get("/devices/:mac/keys", (ctx) => {
    ctx.body = { keys: getKeys(deps, ctx.params.mac!) };
  });
  r.put("/devices/:mac/keys", (ctx) => {
    writer(ctx);
    const keys = setKeys(deps, ctx.params.mac!, parseListBody(KeysBody, "keys", ctx.request.body).keys);
    ctx.body = { keys, warnings: lineKeyWarnings(deps.db, [getDevice(deps, ctx.params.mac!).id]) };
  });
  r.get("/devices/:mac/files", (ctx) => {
    const d = getDevice(deps, ctx.params.mac!);
    ctx.body = { files: deviceFiles(deps, d) };
  });
  r.get("/devices/:mac/files/:name", (ctx) => {
    const d = getDevice(deps, ctx.params.mac!);
    const file = previewFile(deps, d, ctx.params.name!);
    if (file.kind === "device" && !seesSecrets(ctx)) {
      throw forbidden(`${ctx.params.name} holds credentials; only an admin token may preview it`);
    }
    ctx.type = file.contentType;
    ctx.body = file.body;
  });
  return r;
}
