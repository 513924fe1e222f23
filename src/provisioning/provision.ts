import { join } from "node:path";
import type { Logger } from "pino";
import { firmwareByFileName } from "../firmware/catalogue.ts";
import type { ProvisioningRequest } from "../domain/provisioning-request.ts";
import { randomPassword, sha256Hex } from "../secrets.ts";
import type { ServiceDeps } from "../services/deps.ts";
import type { DeviceRow } from "../services/devices.ts";
import type { Tenant } from "../services/tenants.ts";
import type { FileKind, Identification, Vendor } from "../vendors/vendor.ts";
import type { FetchRecorder } from "./fetch-recorder.ts";
import { hotQueries } from "./hot-queries.ts";
import { identifyAgent, identifyRequest } from "./identify-device.ts";
import { inNetworks } from "./network-rules.ts";
import { resolvePhoneConfig } from "./resolve.ts";
import type { TemplateStore } from "./template-store.ts";
import type { SourceLimiter } from "./source-limiter.ts";

export interface ProvisionDeps extends ServiceDeps {
  readonly vendors: readonly Vendor[];
  readonly templates: TemplateStore;
  readonly publicUrl: string;
  readonly recorder: FetchRecorder;
  readonly discoveryLimiter: SourceLimiter;
  readonly logger: Logger;
  /** Where catalogued firmware images live; without it no firmware is served. */
  readonly firmwareDir?: string;
}

/**
 * What the transport proves about a request; null when it proves nothing.
 * - `digest`: HTTP credentials to check against the device's.
 * - `trusted_network`: the transport vouches that the source lies in a network the operator
 *   trusts with device files over that transport (TFTP: `tftpDeviceNetworks`). The transport
 *   decides this from its own config; the pipeline still applies the tenant's CIDR rules.
 */
export type Authenticator =
  | { readonly method: "digest"; check(username: string, password: string): boolean }
  | { readonly method: "trusted_network" };

export type AuthMethod = "digest" | "network" | "none";

interface Served {
  readonly outcome: "served";
  readonly body: Buffer;
  readonly contentType: string;
  readonly hash: string;
  readonly kind: FileKind;
  readonly authMethod: AuthMethod;
  readonly device: DeviceRow | null;
  readonly identification: Identification;
}

export type ProvisionResult =
  | Served
  | { readonly outcome: "unauthorized"; readonly device: DeviceRow | null; readonly credentialsFailed: boolean }
  | { readonly outcome: "firmware"; readonly image: FirmwareFile }
  | { readonly outcome: "not_found" };

/** A catalogued firmware image, found by the exact name requested; the transport streams it. */
export interface FirmwareFile {
  readonly path: string;
  readonly fileName: string;
  readonly vendor: string;
  readonly version: string;
  readonly size: number;
  readonly sha256: string;
}

/** authorize: the tenant's policy decides which proofs a device request needs. */
function authorize(tenant: Tenant, device: DeviceRow, deps: ProvisionDeps, req: ProvisioningRequest, auth: Authenticator | null): AuthMethod | null {
  const fromNetwork = inNetworks(req.remoteAddress, tenant.allowedNetworks);
  if (auth?.method === "trusted_network") {
    // No credentials exist on this transport: the operator's network trust stands in for them,
    // but a tenant that lists its own networks (network modes) is still held to them.
    const tenantNetworks = tenant.authMode !== "credentials" && tenant.allowedNetworks.length > 0;
    return !tenantNetworks || fromNetwork ? "network" : null;
  }
  const credentialsOk = () => auth !== null && auth.check(device.provUsername, deps.secrets.open(device.provPasswordEnc));
  switch (tenant.authMode) {
    case "credentials":
      return credentialsOk() ? "digest" : null;
    case "network":
      return fromNetwork ? "network" : null;
    case "credentials_and_network":
      return fromNetwork && credentialsOk() ? "digest" : null;
    case "credentials_or_network":
      return fromNetwork ? "network" : credentialsOk() ? "digest" : null;
  }
}

function discover(deps: ProvisionDeps, req: ProvisioningRequest, id: Identification): void {
  if (!id.file?.mac || !deps.discoveryLimiter.take(req.remoteAddress)) return;
  deps.recorder.discover({
    mac: id.file.mac,
    vendor: id.vendor,
    model: id.model,
    firmware: id.firmware,
    userAgent: req.userAgent?.slice(0, 256) ?? null,
    fileName: req.fileName,
    sourceIp: req.remoteAddress,
    transport: req.transport,
    at: deps.clock().getTime(),
  });
}

function render(deps: ProvisionDeps, id: Identification, req: ProvisioningRequest, device: DeviceRow | null, tenant: Tenant | null) {
  const vendor = deps.vendors.find((v) => v.id === id.vendor)!;
  const config = device && tenant ? resolvePhoneConfig(deps, device, tenant, deps.publicUrl, deps.clock()) : null;
  return vendor.render(req.fileName, config, deps.templates.forVendor(vendor.id));
}

/** Firmware is public (no secrets): any name the catalogue holds, under the firmware folder. */
function findFirmware(req: ProvisioningRequest, deps: ProvisionDeps): ProvisionResult {
  const row = deps.firmwareDir ? firmwareByFileName(deps.db, req.fileName) : null;
  if (!row || !deps.firmwareDir) return { outcome: "not_found" };
  const { fileName, vendor, version, size, sha256 } = row;
  // Both path segments come from the catalogue row (generated names), never from the request.
  return { outcome: "firmware", image: { path: join(deps.firmwareDir, vendor, fileName), fileName, vendor, version, size, sha256 } };
}

/**
 * The provisioning pipeline, transport-agnostic: identify -> authorize -> resolve -> render.
 * Unknown MACs and failed authorisation give the same result, so a caller cannot tell them apart.
 */
export function provision(req: ProvisioningRequest, deps: ProvisionDeps, auth: Authenticator | null): ProvisionResult {
  const id = identifyRequest(req, deps.vendors, (v, e) => deps.logger.warn({ vendor: v.id, err: e }, "vendor identify failed"));
  if (!id?.file) return findFirmware(req, deps);
  let device: DeviceRow | null = null;
  let tenant: Tenant | null = null;
  let authMethod: AuthMethod = "none";
  if (id.file.kind === "device") {
    const q = hotQueries(deps.db);
    device = (id.file.mac && q.deviceByMac.get({ mac: id.file.mac })) || null;
    if (!device || device.vendor !== id.vendor) {
      // Same work as a real check, so timing does not tell unknown MACs from known ones.
      if (auth?.method === "digest") auth.check(randomPassword(12), randomPassword());
      if (!device) discover(deps, req, id);
      return { outcome: "unauthorized", device: null, credentialsFailed: auth?.method === "digest" };
    }
    tenant = q.tenantById.get({ id: device.tenantId }) ?? null;
    const method = tenant ? authorize(tenant, device, deps, req, auth) : null;
    if (!method) return { outcome: "unauthorized", device, credentialsFailed: auth?.method === "digest" };
    authMethod = method;
  }
  const rendered = render(deps, id, req, device, tenant);
  if (!rendered) return { outcome: "not_found" };
  const body = Buffer.from(rendered.body, "utf8");
  return { outcome: "served", body, contentType: rendered.contentType, hash: sha256Hex(body), kind: id.file.kind, authMethod, device, identification: id };
}

/** The vendor/model/firmware a request's User-Agent names, whatever file it asked for. */
export { identifyAgent };
