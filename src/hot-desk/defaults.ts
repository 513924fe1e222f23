import { and, asc, eq, isNull, or, sql } from "drizzle-orm";
import { first, type Query } from "../db/data.ts";
import type { hotDeskDefaults } from "../db/schema.ts";
import { invalidInput, notFound } from "../errors.ts";
import { requireVendor } from "../firmware/service.ts";
import { auditChangeIn } from "../services/actor.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { checkModel } from "../services/device-rules.ts";
import { resolveModel } from "../services/devices.ts";
import { loadTenant } from "../services/tenants.ts";
import { VENDOR_IDS, vendors } from "../vendors/registry.ts";
import type { VendorId } from "../vendors/vendor.ts";
import { signOutAtIn, type DeskChange } from "./desks.ts";

/**
 * A tenant's hot-desk default models (docs/hot-desking.md#a-default-for-a-model): every device of
 * such a model in the tenant is a hot desk with its lines and keys as they are, without
 * `hot-desk enable`; `hot-desk disable` takes one device out, `hot-desk enable` gives it a key.
 */
export interface HotDeskDefaultView {
  readonly tenant: string;
  readonly vendor: VendorId;
  readonly model: string;
  readonly since: string;
  /** Devices of the model in the tenant that are hot desks by this default now (free or signed in). */
  readonly hotDesks: number;
  /** Devices of the model in the tenant taken out with `hot-desk disable`. */
  readonly optedOut: string[];
}

/** The catalogue's vendor and model id: the vendor given, else the one vendor that has the model. */
function resolveDefaultModel(modelInput: string, vendorInput?: string): { vendor: VendorId; model: string } {
  if (vendorInput !== undefined) {
    const vendor = requireVendor(vendorInput);
    return { vendor, model: resolveModel(vendor, modelInput).id };
  }
  const found = VENDOR_IDS.flatMap((vendor) => {
    const c = checkModel(vendor, modelInput);
    return c.ok ? [{ vendor, model: c.value.id }] : [];
  });
  if (found.length === 1) return found[0]!;
  if (found.length > 1) throw invalidInput(`model: ${modelInput.slice(0, 32)} is a model of ${found.map((f) => f.vendor).join(" and ")}; name the vendor (--vendor)`);
  const known = VENDOR_IDS.map((v) => `${v}: ${Object.values(vendors[v].models).map((m) => m.id).join(", ")}`).join("; ");
  throw invalidInput(`model: no vendor has a model "${modelInput.slice(0, 32)}" (known: ${known})`);
}

async function present(q: Query, tenant: { id: number; name: string }, row: typeof hotDeskDefaults.$inferSelect): Promise<HotDeskDefaultView> {
  const { devices, hotDesks, hotDeskOptOuts } = q.t;
  const ofModel = and(eq(devices.tenantId, tenant.id), eq(devices.vendor, row.vendor), eq(devices.model, row.model));
  // Free (no row, default-desks.ts) or signed in by the default (a row of origin default).
  const desks =
    first(
      await q.db
        .select({ n: sql<number>`count(*)`.mapWith(Number) })
        .from(devices)
        .leftJoin(hotDesks, eq(hotDesks.deviceId, devices.id))
        .leftJoin(hotDeskOptOuts, eq(hotDeskOptOuts.deviceId, devices.id))
        .where(and(ofModel, isNull(hotDeskOptOuts.deviceId), or(isNull(hotDesks.deviceId), eq(hotDesks.origin, "default")))),
    )?.n ?? 0;
  const optedOut = (
    await q.db
      .select({ mac: devices.mac })
      .from(hotDeskOptOuts)
      .innerJoin(devices, eq(devices.id, hotDeskOptOuts.deviceId))
      .where(ofModel)
      .orderBy(asc(devices.mac))
  ).map((r) => r.mac);
  return { tenant: tenant.name, vendor: row.vendor, model: row.model, since: new Date(row.createdAt).toISOString(), hotDesks: desks, optedOut };
}

export function listHotDeskDefaults(deps: ServiceDeps, tenantName: string): Promise<{ tenant: string; defaults: HotDeskDefaultView[] }> {
  return deps.data.read(async (q) => {
    const d = q.t.hotDeskDefaults;
    const tenant = await loadTenant(q, tenantName);
    const rows = await q.db.select().from(d).where(eq(d.tenantId, tenant.id)).orderBy(asc(d.vendor), asc(d.model));
    const defaults: HotDeskDefaultView[] = [];
    for (const r of rows) defaults.push(await present(q, tenant, r));
    return { tenant: tenant.name, defaults };
  });
}

const target = (tenant: string, vendor: string, model: string) => `hot_desk_default:${tenant}/${vendor}/${model}`;

/**
 * Makes a model a hot desk by default in the tenant. Nothing reaches a phone: the desks keep their
 * files (no Sign in key; people dial the code) until someone signs in. Adding it again changes nothing.
 * Serializable (the default): reads whether the default exists, then inserts it with its audit row.
 */
export function addHotDeskDefault(deps: ServiceDeps, tenantName: string, modelInput: string, vendorInput?: string): Promise<HotDeskDefaultView> {
  const { vendor, model } = resolveDefaultModel(modelInput, vendorInput);
  return deps.data.write(async (q) => {
    const d = q.t.hotDeskDefaults;
    const tenant = await loadTenant(q, tenantName);
    const key = and(eq(d.tenantId, tenant.id), eq(d.vendor, vendor), eq(d.model, model));
    if (!first(await q.db.select().from(d).where(key).limit(1))) {
      await q.db.insert(d).values({ tenantId: tenant.id, vendor, model, createdAt: deps.clock().getTime() });
      await auditChangeIn(q, deps, { action: "hot_desk.default_add", target: target(tenant.name, vendor, model), tenantId: tenant.id, after: { vendor, model } });
    }
    return present(q, tenant, first(await q.db.select().from(d).where(key).limit(1))!);
  });
}

/**
 * The model is no longer a hot desk by default: whoever sits at a desk that was one only by it is
 * signed out (base profile back, NOTIFY queued). Desks enabled per device stay; opt-outs stay.
 * Serializable (the default): the desks signed in by the default are read, then signed out.
 */
export function removeHotDeskDefault(deps: ServiceDeps, tenantName: string, modelInput: string, vendorInput?: string): Promise<{ removed: HotDeskDefaultView; changes: DeskChange[] }> {
  const { vendor, model } = resolveDefaultModel(modelInput, vendorInput);
  return deps.data.write(async (q) => {
    const { hotDeskDefaults: d, hotDesks, devices } = q.t;
    const tenant = await loadTenant(q, tenantName);
    const key = and(eq(d.tenantId, tenant.id), eq(d.vendor, vendor), eq(d.model, model));
    const row = first(await q.db.select().from(d).where(key).limit(1));
    if (!row) throw notFound(`${vendor} ${model} is not a hot-desk default of tenant ${tenant.name} (phonehome hot-desk default list --tenant ${tenant.name})`);
    const removed = await present(q, tenant, row);
    await q.db.delete(d).where(key);
    const seated = await q.db
      .select({ device: devices })
      .from(hotDesks)
      .innerJoin(devices, eq(devices.id, hotDesks.deviceId))
      .where(and(eq(hotDesks.tenantId, tenant.id), eq(hotDesks.origin, "default"), eq(devices.vendor, vendor), eq(devices.model, model)));
    const changes: DeskChange[] = [];
    for (const s of seated) changes.push(await signOutAtIn(q, deps, s.device, `hot-desk default ${vendor} ${model} removed`));
    await auditChangeIn(q, deps, { action: "hot_desk.default_remove", target: target(tenant.name, vendor, model), tenantId: tenant.id, before: { vendor, model }, after: { signedOut: seated.map((s) => s.device.mac) } });
    return { removed, changes };
  });
}
