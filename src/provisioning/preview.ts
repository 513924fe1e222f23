import { eq } from "drizzle-orm";
import { tenants } from "../db/schema.ts";
import type { Mac } from "../domain/mac.ts";
import { notFound } from "../errors.ts";
import type { DeviceRow } from "../services/devices.ts";
import type { FileDescriptor, FileKind, RenderedFile } from "../vendors/vendor.ts";
import type { ProvisionDeps } from "./provision.ts";
import { resolvePhoneConfig } from "./resolve.ts";

function vendorOf(deps: ProvisionDeps, device: DeviceRow) {
  return deps.vendors.find((v) => v.id === device.vendor)!;
}

/** The files this device asks for at boot, in order. */
export function deviceFiles(deps: ProvisionDeps, device: DeviceRow): readonly FileDescriptor[] {
  return vendorOf(deps, device).bootFiles(device.mac as Mac, device.model);
}

/**
 * Renders `fileName` exactly as the device would receive it, without authentication: for the
 * admin API's preview and the `render` command. Refuses names that are not this device's.
 */
export function previewFile(deps: ProvisionDeps, device: DeviceRow, fileName: string): RenderedFile & { kind: FileKind } {
  const vendor = vendorOf(deps, device);
  const id = vendor.identify({ transport: "http", fileName, remoteAddress: "preview" });
  if (!id?.file || (id.file.kind === "device" && id.file.mac !== device.mac)) {
    throw notFound(`${fileName.slice(0, 64)} is not a file ${device.mac} (${vendor.displayName} ${device.model}) asks for`);
  }
  const tenant = deps.db.select().from(tenants).where(eq(tenants.id, device.tenantId)).get()!;
  const config = id.file.kind === "device" ? resolvePhoneConfig(deps, device, tenant, deps.publicUrl, deps.clock()) : null;
  const rendered = vendor.render(fileName, config, deps.templates.forVendor(vendor.id));
  if (!rendered) throw notFound(`${fileName.slice(0, 64)} is not served for ${device.model}`);
  return { ...rendered, kind: id.file.kind };
}
