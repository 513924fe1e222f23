import { and, asc, eq } from "drizzle-orm";
import { first, type Query } from "../db/data.ts";
import { invalidInput, notFound } from "../errors.ts";
import { auditChangeIn } from "../services/actor.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { resolveModel } from "../services/devices.ts";
import { loadTenant } from "../services/tenants.ts";
import { requireVersion } from "./names.ts";
import type { VendorId } from "../vendors/vendor.ts";
import { requireVendor } from "./service.ts";

export interface PinView {
  readonly vendor: string;
  readonly model: string;
  readonly version: string;
  readonly fileName: string;
  readonly firmwareId: number;
}

export function listPins(deps: ServiceDeps, tenantName: string): Promise<PinView[]> {
  return deps.data.read(async (q) => listPinsIn(q, (await loadTenant(q, tenantName)).id));
}

/** A tenant's pins by vendor and model, in a `data.read` (the portal page reads every tenant's in one). */
export function listPinsIn(q: Query, tenantId: number): Promise<PinView[]> {
  const { firmwareImages: i, firmwarePins: p } = q.t;
  return q.db
    .select({ vendor: p.vendor, model: p.model, version: i.version, fileName: i.fileName, firmwareId: i.id })
    .from(p)
    .innerJoin(i, eq(i.id, p.firmwareId))
    .where(eq(p.tenantId, tenantId))
    .orderBy(asc(p.vendor), asc(p.model));
}

const pinTarget = (tenant: string, vendor: string, model: string) => `firmware_pin:${tenant}/${vendor}/${model}`;

/** The image a tenant pins for a vendor model now (for the audit's before), or null. */
async function currentPinIn(q: Query, tenantId: number, vendor: VendorId, model: string) {
  const { firmwareImages: i, firmwarePins: p } = q.t;
  const row = first(
    await q.db
      .select({ version: i.version, fileName: i.fileName, firmwareId: i.id })
      .from(p)
      .innerJoin(i, eq(i.id, p.firmwareId))
      .where(and(eq(p.tenantId, tenantId), eq(p.vendor, vendor), eq(p.model, model)))
      .limit(1),
  );
  return row ?? null;
}

/** Pins `version` for a vendor model: exactly one catalogued image of that vendor must list the model. */
// Reads the images that list the model and the pin it replaces (the audit's before), then writes:
// serializable on PostgreSQL (the default), so an image deleted meanwhile is never pinned.
export async function setPin(deps: ServiceDeps, tenantName: string, vendorInput: string, modelInput: string, versionInput: string): Promise<PinView> {
  const vendor = requireVendor(vendorInput);
  const model = resolveModel(vendor, modelInput).id;
  const version = requireVersion(versionInput);
  return deps.data.write(async (q) => {
    const { firmwareImages: i, firmwarePins: p } = q.t;
    const tenant = await loadTenant(q, tenantName);
    const images = (await q.db.select().from(i).where(and(eq(i.vendor, vendor), eq(i.version, version)))).filter((img) => img.models.includes(model));
    if (images.length === 0) throw invalidInput(`version: no ${vendor} firmware ${version} for ${model} in the catalogue`);
    if (images.length > 1) throw invalidInput(`version: several ${vendor} images ${version} list ${model}; remove all but one`);
    const image = images[0]!;
    const before = await currentPinIn(q, tenant.id, vendor, model);
    const values = { tenantId: tenant.id, vendor, model, firmwareId: image.id, updatedAt: deps.clock().getTime() };
    await q.db
      .insert(p)
      .values(values)
      .onConflictDoUpdate({ target: [p.tenantId, p.vendor, p.model], set: { firmwareId: image.id, updatedAt: values.updatedAt } });
    const after = { vendor, model, version, fileName: image.fileName, firmwareId: image.id };
    await auditChangeIn(q, deps, { action: "firmware.pin", target: pinTarget(tenant.name, vendor, model), tenantId: tenant.id, before, after });
    return after;
  });
}

// Reads the pin it removes for the audit row, then deletes it: serializable on PostgreSQL (the default).
export async function deletePin(deps: ServiceDeps, tenantName: string, vendorInput: string, modelInput: string): Promise<void> {
  const vendor = requireVendor(vendorInput);
  const model = resolveModel(vendor, modelInput).id;
  await deps.data.write(async (q) => {
    const { firmwarePins: p } = q.t;
    const tenant = await loadTenant(q, tenantName);
    const before = await currentPinIn(q, tenant.id, vendor, model);
    const removed = await q.db
      .delete(p)
      .where(and(eq(p.tenantId, tenant.id), eq(p.vendor, vendor), eq(p.model, model)))
      .returning({ tenantId: p.tenantId });
    if (removed.length === 0) throw notFound(`tenant ${tenant.name} pins no firmware for ${vendor} ${model}`);
    await auditChangeIn(q, deps, { action: "firmware.unpin", target: pinTarget(tenant.name, vendor, model), tenantId: tenant.id, before });
  });
}
