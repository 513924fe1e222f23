import Router from "@koa/router";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { createGroup, deleteGroup, getGroup, GroupInput, GroupPatch, addMember, listGroups, MembersInput, putMembers, removeMember, renameGroup } from "../../services/groups.ts";
import { createLayout, deleteLayout, DeviceLayoutInput, getDeviceLayout, getLayout, KeyLayoutInput, KeyLayoutPut, listLayouts, putLayout, setDeviceLayout } from "../../services/key-layouts.ts";
import { getNumberingPlan, NumberingPlanInput, resetNumberingPlan, setNumberingPlan } from "../../services/numbering.ts";
import { getDevice } from "../../services/devices.ts";
import { layoutLineKeyWarnings, lineKeyWarnings } from "../../services/line-key-warnings.ts";
import { requireRole, type AdminState } from "./roles.ts";

/** /tenants/{t}/groups, /tenants/{t}/numbering-plan, /tenants/{t}/key-layouts, /devices/{mac}/key-layout */
export function tenantCatalogRoutes(deps: ProvisionDeps): Router<AdminState> {
  const r = new Router<AdminState>();
  const G = "/tenants/:tenant/groups";
  r.get(G, (ctx) => {
    ctx.body = { groups: listGroups(deps, ctx.params.tenant!) };
  });
  r.post(G, (ctx) => {
    requireRole(ctx, "admin");
    ctx.status = 201;
    ctx.body = createGroup(deps, ctx.params.tenant!, GroupInput.parse(ctx.request.body));
  });
  r.get(`${G}/:group`, (ctx) => {
    ctx.body = getGroup(deps, ctx.params.tenant!, ctx.params.group!);
  });
  r.patch(`${G}/:group`, (ctx) => {
    requireRole(ctx, "admin");
    ctx.body = renameGroup(deps, ctx.params.tenant!, ctx.params.group!, GroupPatch.parse(ctx.request.body));
  });
  r.delete(`${G}/:group`, (ctx) => {
    requireRole(ctx, "admin");
    deleteGroup(deps, ctx.params.tenant!, ctx.params.group!);
    ctx.status = 204;
  });
  r.put(`${G}/:group/members`, (ctx) => {
    requireRole(ctx, "admin");
    ctx.body = putMembers(deps, ctx.params.tenant!, ctx.params.group!, MembersInput.parse(ctx.request.body).members);
  });
  r.put(`${G}/:group/members/:number`, (ctx) => {
    requireRole(ctx, "admin");
    ctx.body = addMember(deps, ctx.params.tenant!, ctx.params.group!, ctx.params.number!);
  });
  r.delete(`${G}/:group/members/:number`, (ctx) => {
    requireRole(ctx, "admin");
    ctx.body = removeMember(deps, ctx.params.tenant!, ctx.params.group!, ctx.params.number!);
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
  const withWarnings = <T extends object>(body: T, mac: string) => ({ ...body, warnings: lineKeyWarnings(deps.db, [getDevice(deps, mac).id]) });
  r.get(L, (ctx) => {
    ctx.body = { keyLayouts: listLayouts(deps, ctx.params.tenant!) };
  });
  r.post(L, (ctx) => {
    requireRole(ctx, "admin", "technician");
    ctx.status = 201;
    const layout = createLayout(deps, ctx.params.tenant!, KeyLayoutInput.parse(ctx.request.body));
    ctx.body = { ...layout, warnings: layoutLineKeyWarnings(deps, ctx.params.tenant!, layout.name) };
  });
  r.get(`${L}/:layout`, (ctx) => {
    ctx.body = getLayout(deps, ctx.params.tenant!, ctx.params.layout!);
  });
  r.put(`${L}/:layout`, (ctx) => {
    requireRole(ctx, "admin", "technician");
    const layout = putLayout(deps, ctx.params.tenant!, ctx.params.layout!, KeyLayoutPut.parse(ctx.request.body));
    ctx.body = { ...layout, warnings: layoutLineKeyWarnings(deps, ctx.params.tenant!, layout.name) };
  });
  r.delete(`${L}/:layout`, (ctx) => {
    requireRole(ctx, "admin", "technician");
    deleteLayout(deps, ctx.params.tenant!, ctx.params.layout!);
    ctx.status = 204;
  });
  r.get("/devices/:mac/key-layout", (ctx) => {
    ctx.body = withWarnings(getDeviceLayout(deps, ctx.params.mac!), ctx.params.mac!);
  });
  r.put("/devices/:mac/key-layout", (ctx) => {
    requireRole(ctx, "admin", "technician");
    ctx.body = withWarnings(setDeviceLayout(deps, ctx.params.mac!, DeviceLayoutInput.parse(ctx.request.body).layout), ctx.params.mac!);
  });
  return r;
}
