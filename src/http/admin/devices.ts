import Router from "@koa/router";
import { forbidden } from "../../errors.ts";
import { deviceFiles, previewFile } from "../../provisioning/preview.ts";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { getKeys, getLines, setKeys, setLines } from "../../services/device-layout.ts";
import { createDevice, deleteDevice, deviceCredentials, getDevice, listDevices, updateDevice } from "../../services/devices.ts";
import { deviceLineKeyWarnings } from "../../services/line-key-warnings.ts";
import { DeviceInput, DevicePatch, KeysBody, LinesBody, parseListBody } from "../../services/schemas.ts";
import { presentDevice } from "./presenters.ts";
import { queryParam } from "./query.ts";
import { requireRole, seesSecrets, type AdminContext, type AdminState } from "./roles.ts";
import type { DeviceRow } from "../../db/rows.ts";

/** /devices, /devices/{mac}/lines, /devices/{mac}/keys, /devices/{mac}/files[/{name}] */
export function deviceRoutes(deps: ProvisionDeps): Router<AdminState> {
  const r = new Router<AdminState>();
  const tenantNames = () =>
    deps.data.read(async (q) => new Map((await q.db.select({ id: q.t.tenants.id, name: q.t.tenants.name }).from(q.t.tenants)).map((t) => [t.id, t.name])));
  const present = async (ctx: AdminContext, d: DeviceRow, names?: Map<number, string>) =>
    presentDevice(d, (names ?? (await tenantNames())).get(d.tenantId) ?? "", seesSecrets(ctx) ? deviceCredentials(deps, d) : null);
  const writer = (ctx: AdminContext) => requireRole(ctx, "admin", "technician");

  r.get("/devices", async (ctx) => {
    const tenant = queryParam(ctx, "tenant");
    const names = await tenantNames();
    ctx.body = { devices: await Promise.all((await listDevices(deps, tenant)).map((d) => present(ctx, d, names))) };
  });
  r.post("/devices", async (ctx) => {
    writer(ctx);
    const created = await createDevice(deps, DeviceInput.parse(ctx.request.body));
    ctx.status = 201;
    ctx.body = await present(ctx, created);
  });
  r.get("/devices/:mac", async (ctx) => {
    const d = await getDevice(deps, ctx.params.mac!);
    ctx.body = { ...(await present(ctx, d)), lines: await getLines(deps, d.mac), keys: await getKeys(deps, d.mac) };
  });
  r.patch("/devices/:mac", async (ctx) => {
    writer(ctx);
    ctx.body = await present(ctx, await updateDevice(deps, ctx.params.mac!, DevicePatch.parse(ctx.request.body)));
  });
  r.delete("/devices/:mac", async (ctx) => {
    writer(ctx);
    await deleteDevice(deps, ctx.params.mac!);
    ctx.status = 204;
  });
  r.get("/devices/:mac/lines", async (ctx) => {
    ctx.body = { lines: await getLines(deps, ctx.params.mac!) };
  });
  r.put("/devices/:mac/lines", async (ctx) => {
    writer(ctx);
    const lines = await setLines(deps, ctx.params.mac!, parseListBody(LinesBody, "lines", ctx.request.body).lines);
    ctx.body = { lines, warnings: await deviceLineKeyWarnings(deps, await getDevice(deps, ctx.params.mac!)) };
  });
  r.get("/devices/:mac/keys", async (ctx) => {
    ctx.body = { keys: await getKeys(deps, ctx.params.mac!) };
  });
  r.put("/devices/:mac/keys", async (ctx) => {
    writer(ctx);
    const keys = await setKeys(deps, ctx.params.mac!, parseListBody(KeysBody, "keys", ctx.request.body).keys);
    ctx.body = { keys, warnings: await deviceLineKeyWarnings(deps, await getDevice(deps, ctx.params.mac!)) };
  });
  r.get("/devices/:mac/files", async (ctx) => {
    const d = await getDevice(deps, ctx.params.mac!);
    ctx.body = { files: deviceFiles(deps, d) };
  });
  r.get("/devices/:mac/files/:name", async (ctx) => {
    const d = await getDevice(deps, ctx.params.mac!);
    const file = await previewFile(deps, d, ctx.params.name!);
    if (file.kind === "device" && !seesSecrets(ctx)) {
      throw forbidden(`${ctx.params.name} holds credentials; only an admin token may preview it`);
    }
    ctx.type = file.contentType;
    ctx.body = file.body;
  });
  return r;
}
