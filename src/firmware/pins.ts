import { and, asc, eq } from "drizzle-orm";
import { writeTransaction } from "../db/client.ts";
import { firmwareImages, firmwarePins } from "../db/schema.ts";
import { invalidInput, notFound } from "../errors.ts";
import { auditChange } from "../services/actor.ts";
import type { Db } from "../db/client.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { resolveModel } from "../services/devices.ts";
import { getTenant } from "../services/tenants.ts";
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

export function listPins(deps: ServiceDeps, tenantName: string): PinView[] {
  const tenant = getTenant(deps, tenantName);
  return deps.db
    .select({ vendor: firmwarePins.vendor, model: firmwarePins.model, version: firmwareImages.version, fileName: firmwareImages.fileName, firmwareId: firmwareImages.id })
    .from(firmwarePins)
    .innerJoin(firmwareImages, eq(firmwareImages.id, firmwarePins.firmwareId))
    .where(eq(firmwarePins.tenantId, tenant.id))
    .orderBy(asc(firmwarePins.vendor), asc(firmwarePins.model))
    .all();
}

const pinTarget = (tenant: string, vendor: string, model: string) => `firmware_pin:${tenant}/${vendor}/${model}`;

/** The image a tenant pins for a vendor model now (for the audit's before), or null. */
function currentPin(tx: Db, tenantId: number, vendor: VendorId, model: string) {
  return (
    tx
      .select({ version: firmwareImages.version, fileName: firmwareImages.fileName, firmwareId: firmwareImages.id })
      .from(firmwarePins)
      .innerJoin(firmwareImages, eq(firmwareImages.id, firmwarePins.firmwareId))
      .where(and(eq(firmwarePins.tenantId, tenantId), eq(firmwarePins.vendor, vendor), eq(firmwarePins.model, model)))
      .get() ?? null
  );
}

/** Pins `version` for a vendor model: exactly one catalogued image of that vendor must list the model. */
export function setPin(deps: ServiceDeps, tenantName: string, vendorInput: string, modelInput: string, versionInput: string): PinView {
  const vendor = requireVendor(vendorInput);
  const model = resolveModel(vendor, modelInput).id;
  const version = requireVersion(versionInput);
  return writeTransaction(deps.db, (tx) => {
    const tenant = getTenant({ ...deps, db: tx }, tenantName);
    const images = tx
      .select()
      .from(firmwareImages)
      .where(and(eq(firmwareImages.vendor, vendor), eq(firmwareImages.version, version)))
      .all()
      .filter((i) => i.models.includes(model));
    if (images.length === 0) throw invalidInput(`version: no ${vendor} firmware ${version} for ${model} in the catalogue`);
    if (images.length > 1) throw invalidInput(`version: several ${vendor} images ${version} list ${model}; remove all but one`);
    const image = images[0]!;
    const before = currentPin(tx, tenant.id, vendor, model);
    const values = { tenantId: tenant.id, vendor, model, firmwareId: image.id, updatedAt: deps.clock().getTime() };
    tx.insert(firmwarePins)
      .values(values)
      .onConflictDoUpdate({ target: [firmwarePins.tenantId, firmwarePins.vendor, firmwarePins.model], set: { firmwareId: image.id, updatedAt: values.updatedAt } })
      .run();
    const after = { vendor, model, version, fileName: image.fileName, firmwareId: image.id };
    auditChange(tx, deps, { action: "firmware.pin", target: pinTarget(tenant.name, vendor, model), tenantId: tenant.id, before, after });
    return after;
  });
}

export function deletePin(deps: ServiceDeps, tenantName: string, vendorInput: string, modelInput: string): void {
  const vendor = requireVendor(vendorInput);
  const model = resolveModel(vendor, modelInput).id;
  writeTransaction(deps.db, (tx) => {
    const tenant = getTenant({ ...deps, db: tx }, tenantName);
    const before = currentPin(tx, tenant.id, vendor, model);
    const r = tx.delete(firmwarePins).where(and(eq(firmwarePins.tenantId, tenant.id), eq(firmwarePins.vendor, vendor), eq(firmwarePins.model, model))).run();
    if (r.changes === 0) throw notFound(`tenant ${tenant.name} pins no firmware for ${vendor} ${model}`);
    auditChange(tx, deps, { action: "firmware.unpin", target: pinTarget(tenant.name, vendor, model), tenantId: tenant.id, before });
  });
}
