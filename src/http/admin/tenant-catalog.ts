import Router from "@koa/router";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { createGroup, deleteGroup, getGroup, GroupInput, GroupPatch, addMember, listGroups, MembersInput, putMembers, removeMember, renameGroup } from "../../services/groups.ts";
import { createLayout, deleteLayout, DeviceLayoutInput, getDeviceLayout, getLayout, KeyLayoutInput, KeyLayoutPut, listLayouts, putLayout, setDeviceLayout } from "../../services/key-layouts.ts";
import { getNumberingPlan, NumberingPlanInput, resetNumberingPlan, setNumberingPlan } from "../../services/numbering.ts";
import { getDevice } from "../../services/devices.ts";
import { deviceLineKeyWarnings, layoutLineKeyWarnings } from "../../services/line-key-warnings.ts";
import { requireRole, type AdminState } from "./roles.ts";

/** /tenants/{t}/groups, /tenants/{t}/numbering-plan, /tenants/{t}/key-layouts, /devices/{mac}/key-layout */
export function tenantCatalogRoutes(deps: ProvisionDeps): Router<AdminState> {
  const r = new Router<AdminState>();
  const G = "/tenants/:tenant/groups";
  r.get(G, async (ctx) => {
    ctx.body = { groups: await listGroups(deps, ctx.params.tenant!) };
  });
  r.post(G, async (ctx) => {
    requireRole(ctx, "admin");
    ctx.status = 201;
    ctx.body = await createGroup(deps, ctx.params.tenant!, GroupInput.parse(ctx.request.body));
  });
  r.get(`${G}/:group`, async (ctx) => {
    ctx.body = await getGroup(deps, ctx.params.tenant!, ctx.params.group!);
  });
  r.patch(`${G}/:group`, async (ctx) => {
    requireRole(ctx, "admin");
    ctx.body = await renameGroup(deps, ctx.params.tenant!, ctx.params.group!, GroupPatch.parse(ctx.request.body));
  });
  r.delete(`${G}/:group`, async (ctx) => {
    requireRole(ctx, "admin");
    await deleteGroup(deps, ctx.params.tenant!, ctx.params.group!);
    ctx.status = 204;
  });
  r.put(`${G}/:group/members`, async (ctx) => {
    requireRole(ctx, "admin");
    ctx.body = await putMembers(deps, ctx.params.tenant!, ctx.params.group!, MembersInput.parse(ctx.request.body).members);
  });
  r.put(`${G}/:group/members/:number`, async (ctx) => {
    requireRole(ctx, "admin");
    ctx.body = await addMember(deps, ctx.params.tenant!, ctx.params.group!, ctx.params.number!);
  });
  r.delete(`${G}/:group/members/:number`, async (ctx) => {
    requireRole(ctx, "admin");
    ctx.body = await removeMember(deps, ctx.params.tenant!, ctx.params.group!, ctx.params.number!);
  });

  const N = "/tenants/:tenant/numbering-plan";
  r.get(N, async (ctx) => {
    ctx.body = await getNumberingPlan(deps, ctx.params.tenant!);
  });
  r.put(N, async (ctx) => {
    requireRole(ctx, "admin");
    ctx.body = await setNumberingPlan(deps, ctx.params.tenant!, NumberingPlanInput.parse(ctx.request.body));
  });
  r.delete(N, async (ctx) => {
    requireRole(ctx, "admin");
    ctx.body = await resetNumberingPlan(deps, ctx.params.tenant!);
  });

  const L = "/tenants/:tenant/key-layouts";
  // Lines the layout leaves without a line key (src/services/line-key-warnings.ts).
  const withWarnings = async <T extends object>(body: T, mac: string) => ({ ...body, warnings: await deviceLineKeyWarnings(deps, await getDevice(deps, mac)) });
  r.get(L, async (ctx) => {
    ctx.body = { keyLayouts: await listLayouts(deps, ctx.params.tenant!) };
  });
  r.post(L, async (ctx) => {
    requireRole(ctx, "admin", "technician");
    ctx.status = 201;
    const layout = await createLayout(deps, ctx.params.tenant!, KeyLayoutInput.parse(ctx.request.body));
    ctx.body = { ...layout, warnings: await layoutLineKeyWarnings(deps, ctx.params.tenant!, layout.name) };
  });
  r.get(`${L}/:layout`, async (ctx) => {
    ctx.body = await getLayout(deps, ctx.params.tenant!, ctx.params.layout!);
  });
  r.put(`${L}/:layout`, async (ctx) => {
    requireRole(ctx, "admin", "technician");
    const layout = await putLayout(deps, ctx.params.tenant!, ctx.params.layout!, KeyLayoutPut.parse(ctx.request.body));
    ctx.body = { ...layout, warnings: await layoutLineKeyWarnings(deps, ctx.params.tenant!, layout.name) };
  });
  r.delete(`${L}/:layout`, async (ctx) => {
    requireRole(ctx, "admin", "technician");
    await deleteLayout(deps, ctx.params.tenant!, ctx.params.layout!);
    ctx.status = 204;
  });
  r.get("/devices/:mac/key-layout", async (ctx) => {
    ctx.body = await withWarnings(await getDeviceLayout(deps, ctx.params.mac!), ctx.params.mac!);
  });
  r.put("/devices/:mac/key-layout", async (ctx) => {
    requireRole(ctx, "admin", "technician");
    ctx.body = await withWarnings(await setDeviceLayout(deps, ctx.params.mac!, DeviceLayoutInput.parse(ctx.request.body).layout), ctx.params.mac!);
  });
  return r;
}
