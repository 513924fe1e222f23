import { eq } from "drizzle-orm";
import { first, type Query } from "../db/data.ts";
import type { Mac } from "../domain/mac.ts";
import { secretValuesOf } from "./served-files.ts";
import { notFound } from "../errors.ts";
import type { FileDescriptor, FileKind } from "../vendors/vendor.ts";
import { deliverFile } from "./deliver.ts";
import type { ProvisionDeps } from "./provision.ts";
import { resolvePhoneConfig } from "./resolve.ts";
import { chooseBaseUrl } from "./base-url.ts";
import type { DeviceRow } from "../db/rows.ts";

function vendorOf(deps: ProvisionDeps, device: DeviceRow) {
  return deps.vendors.find((v) => v.id === device.vendor)!;
}

/** The files this device asks for at boot, in order. */
export function deviceFiles(deps: ProvisionDeps, device: DeviceRow): readonly FileDescriptor[] {
  return vendorOf(deps, device).bootFiles(device.mac as Mac, device.model);
}

export interface PreviewedFile {
  readonly kind: FileKind;
  /** The file as rendered, before any encryption (what the phone gets over HTTPS). */
  readonly body: string;
  readonly contentType: string;
  /** The content hash the fetch log records when the phone gets this file, over any transport. */
  readonly contentHash: string;
  /** Secret values the configuration holds (src/provisioning/served-files.ts), to mask them. */
  readonly secrets: readonly string[];
}

/**
 * Renders `fileName` exactly as the device would receive it, without authentication, through the
 * same deliver step as the phone transports (deliver.ts): for the admin API's preview, the
 * `render` command and drift. Refuses names that are not this device's. Reads only: a device of
 * an encrypting tenant that has not fetched yet has no config password, and its preview has none.
 */
export function previewFile(deps: ProvisionDeps, device: DeviceRow, fileName: string): Promise<PreviewedFile> {
  return deps.data.read((q) => previewFileIn(q, deps, device, fileName));
}

/** previewFile in the read or write `q`: force-unregister hashes a device's files before and after its change, inside it. */
export async function previewFileIn(q: Query, deps: ProvisionDeps, device: DeviceRow, fileName: string): Promise<PreviewedFile> {
  const vendor = vendorOf(deps, device);
  const id = vendor.identify({ fileName });
  if (!id?.file || (id.file.kind === "device" && id.file.mac !== device.mac)) {
    throw notFound(`${fileName.slice(0, 64)} is not a file ${device.mac} (${vendor.displayName} ${device.model}) asks for`);
  }
  const tenant = first(await q.db.select().from(q.t.tenants).where(eq(q.t.tenants.id, device.tenantId)).limit(1))!;
  // The URL the phone was last told (its Host header when no URL is configured), so drift compares like with like.
  const baseUrl = chooseBaseUrl({
    tenantUrl: tenant.provisioningBaseUrl,
    serverUrl: deps.publicUrl,
    serverUrlConfigured: deps.publicUrlConfigured ?? true,
    requestUrl: device.lastBaseUrl ?? null,
    phoneIsLocal: true,
  }).url;
  const config = id.file.kind === "device" ? await resolvePhoneConfig(q, deps, device, tenant, baseUrl, deps.clock()) : null;
  const templates = deps.templates.forVendor(vendor.id);
  // "https": the plaintext; the content hash is the same whichever transport carries the file.
  const delivery = deliverFile({ vendor, file: id.file, config, templates, transport: "https", digest: deps.configEncryptionDigest ?? "md5" });
  if (!delivery) throw notFound(`${fileName.slice(0, 64)} is not served for ${device.model}`);
  return { kind: id.file.kind, body: delivery.body.toString("utf8"), contentType: delivery.contentType, contentHash: delivery.contentHash, secrets: config ? secretValuesOf(config) : [] };
}
