import Router from "@koa/router";
import { eq } from "drizzle-orm";
import { first } from "../../db/data.ts";
import { conflict } from "../../errors.ts";
import { deviceConfigKey, deviceEncrypts } from "../../provisioning/config-encryption.ts";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { getDevice } from "../../services/devices.ts";
import { requireRole, type AdminState } from "./roles.ts";

/**
 * GET /devices/{mac}/config-key: the device's config-file password (Grandstream P1359), for an
 * operator who bootstraps encryption by typing it on the phone's web UI instead of one HTTPS fetch.
 * Admins only; created on first request when the tenant encrypts configs.
 */
export function configKeyRoutes(deps: ProvisionDeps): Router<AdminState> {
  const r = new Router<AdminState>();
  r.get("/devices/:mac/config-key", async (ctx) => {
    requireRole(ctx, "admin");
    const device = await getDevice(deps, ctx.params.mac!);
    const tenant = (await deps.data.read(async (q) => first(await q.db.select().from(q.t.tenants).where(eq(q.t.tenants.id, device.tenantId)).limit(1))))!;
    if (!deviceEncrypts(deps.vendors, device)) throw conflict(`${device.vendor} configs are not encrypted by phonehome (see docs/security.md)`);
    if (!tenant.configEncryption) throw conflict(`tenant ${tenant.name} does not encrypt configs; set configEncryption first`);
    ctx.body = { mac: device.mac, configFilePassword: await deviceConfigKey(deps, device.id) };
  });
  return r;
}
