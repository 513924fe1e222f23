import { join } from "node:path";
import type { Logger } from "pino";
import type { PhoneConfig } from "../domain/phone-config.ts";
import type { ProvisioningRequest } from "../domain/provisioning-request.ts";
import { firmwareByFileName } from "../firmware/catalogue.ts";
import { randomPassword, sha256Hex } from "../secrets.ts";
import type { ServiceDeps } from "../services/deps.ts";
import type { DeviceRow } from "../services/devices.ts";
import type { Tenant } from "../services/tenants.ts";
import type { FileKind, Identification, Vendor } from "../vendors/vendor.ts";
import type { FetchRecorder } from "./fetch-recorder.ts";
import { hotQueries } from "./hot-queries.ts";
import { identifyAgent, identifyAs, identifyRequest } from "./identify-device.ts";
import { certificateOpens } from "./client-cert-auth.ts";
import { ENCRYPTING_VENDORS, ensureConfigKey, opensslEncrypt, type EncryptionDigest } from "./config-encryption.ts";
import { matchingNetwork } from "./network-rules.ts";
import { chooseBaseUrl, isLoopbackAddress, type BaseUrlChoice } from "./base-url.ts";
import { resolvePhoneConfig } from "./resolve.ts";
import type { TemplateStore } from "./template-store.ts";
import type { SourceLimiter } from "./source-limiter.ts";

export interface ProvisionDeps extends ServiceDeps {
  readonly vendors: readonly Vendor[];
  readonly templates: TemplateStore;
  readonly publicUrl: string;
  /** The operator set publicUrl (`--public-url`): it wins over the URL a phone's request used. */
  readonly publicUrlConfigured?: boolean;
  readonly recorder: FetchRecorder;
  readonly discoveryLimiter: SourceLimiter;
  readonly logger: Logger;
  /** EVP_BytesToKey digest of encrypted Grandstream files (config key `configEncryptionDigest`); default md5. */
  readonly configEncryptionDigest?: EncryptionDigest;
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

export type AuthMethod = "digest" | "network" | "certificate" | "digest+certificate" | "none";

/** How a request was let in (or why not): recorded in the fetch log for the audit trail. */
export interface AuthDetail {
  readonly digestUser?: string;
  readonly certSubject?: string;
  readonly certSerial?: string;
  /** The tenant CIDR rule the source address matched. */
  readonly networkRule?: string;
  /** Why a presented client certificate did not count (OpenSSL code, `CERT_REVOKED`, `MAC_MISMATCH`). */
  readonly certFailure?: string;
}

interface Served {
  readonly outcome: "served";
  readonly body: Buffer;
  readonly contentType: string;
  readonly hash: string;
  readonly kind: FileKind;
  readonly authMethod: AuthMethod;
  readonly authDetail: AuthDetail;
  readonly device: DeviceRow | null;
  readonly identification: Identification;
  /** Extension numbers whose SIP credentials the body holds (audit: who fetched which credentials). */
  readonly credentials: readonly string[];
  /** The body is encrypted with the device's config key (config-encryption.ts). */
  readonly encrypted: boolean;
}

export type ProvisionResult =
  | Served
  | {
      readonly outcome: "unauthorized";
      readonly device: DeviceRow | null;
      readonly credentialsFailed: boolean;
      readonly authDetail: AuthDetail;
    }
  | { readonly outcome: "firmware"; readonly image: FirmwareFile }
  /** The only base URL at hand is loopback and the phone is not: nothing is sent (base-url.ts). */
  | { readonly outcome: "unreachable_url"; readonly device: DeviceRow; readonly url: string }
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

interface Authorization {
  readonly method: AuthMethod | null;
  readonly detail: AuthDetail;
}

function certificateDetail(req: ProvisioningRequest, device: DeviceRow): AuthDetail {
  const c = req.clientCert;
  if (!c) return {};
  const failure = c.failure ?? (certificateOpens(c, device.mac) ? undefined : "MAC_MISMATCH");
  return { certSubject: c.subject, certSerial: c.serial, ...(failure ? { certFailure: failure } : {}) };
}

/**
 * authorize: the tenant's policy decides which proofs a device request needs. `credentials` is
 * the per-device Digest password, `certificate` a verified client certificate naming the device's
 * MAC (client-cert-auth.ts), `network` one of the tenant's CIDRs.
 */
/**
 * No credentials exist on this transport: the operator's network trust stands in for them, but a
 * tenant that lists its own networks (network modes) is still held to them.
 */
function trustedNetwork(tenant: Tenant, rule: string | null): Authorization {
  const tenantNetworks = tenant.authMode !== "credentials" && tenant.allowedNetworks.length > 0;
  if (tenantNetworks && !rule) return { method: null, detail: {} };
  return { method: "network", detail: rule ? { networkRule: rule } : {} };
}

/** Firmware is public (no secrets): any name the catalogue holds, under the firmware folder. */
function findFirmware(req: ProvisioningRequest, deps: ProvisionDeps): ProvisionResult {
  const row = deps.firmwareDir ? firmwareByFileName(deps.db, req.fileName) : null;
  if (!row || !deps.firmwareDir) return { outcome: "not_found" };
  const { fileName, vendor, version, size, sha256 } = row;
  // Both path segments come from the catalogue row (generated names), never from the request.
  return { outcome: "firmware", image: { path: join(deps.firmwareDir, vendor, fileName), fileName, vendor, version, size, sha256 } };
}

function authorize(tenant: Tenant, device: DeviceRow, deps: ProvisionDeps, req: ProvisioningRequest, auth: Authenticator | null): Authorization {
  const rule = matchingNetwork(req.remoteAddress, tenant.allowedNetworks);
  if (auth?.method === "trusted_network") return trustedNetwork(tenant, rule);
  const credentialsOk = () => auth?.method === "digest" && auth.check(device.provUsername, deps.secrets.open(device.provPasswordEnc));
  const certOk = () => certificateOpens(req.clientCert, device.mac);
  const cert = certificateDetail(req, device);
  const digest = { digestUser: device.provUsername };
  const net = rule ? { networkRule: rule } : {};
  const grant = (method: AuthMethod | null, detail: AuthDetail = {}): Authorization => ({ method, detail: { ...cert, ...detail } });
  switch (tenant.authMode) {
    case "credentials":
      return credentialsOk() ? grant("digest", digest) : grant(null);
    case "network":
      return rule ? grant("network", net) : grant(null);
    case "credentials_and_network":
      return rule && credentialsOk() ? grant("digest", { ...digest, ...net }) : grant(null);
    case "credentials_or_network":
      return rule ? grant("network", net) : credentialsOk() ? grant("digest", digest) : grant(null);
    case "certificate":
      return certOk() ? grant("certificate") : grant(null);
    case "credentials_or_certificate":
      return certOk() ? grant("certificate") : credentialsOk() ? grant("digest", digest) : grant(null);
    case "credentials_and_certificate":
      return certOk() && credentialsOk() ? grant("digest+certificate", digest) : grant(null);
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

/** The base URL this phone is told (tenant, configured, the request's Host, default): base-url.ts. */
export function baseUrlFor(deps: ProvisionDeps, req: ProvisioningRequest, tenant: Tenant): BaseUrlChoice {
  return chooseBaseUrl({
    tenantUrl: tenant.provisioningBaseUrl,
    serverUrl: deps.publicUrl,
    serverUrlConfigured: deps.publicUrlConfigured ?? true,
    requestUrl: req.requestUrl ?? null,
    phoneIsLocal: isLoopbackAddress(req.remoteAddress) && !req.forwarded,
  });
}

function render(deps: ProvisionDeps, id: Identification, req: ProvisioningRequest, device: DeviceRow | null, tenant: Tenant | null, baseUrl: string) {
  const vendor = deps.vendors.find((v) => v.id === id.vendor)!;
  const config = device && tenant ? resolvePhoneConfig(deps, device, tenant, baseUrl, deps.clock()) : null;
  const rendered = vendor.render(req.fileName, config, deps.templates.forVendor(vendor.id));
  return rendered ? { ...rendered, config } : null;
}

/**
 * deliver: the file holds its own decryption password (P1359) when the tenant encrypts configs.
 * Over HTTPS it is sent as is (the TLS channel, authenticated, is how the password reaches the
 * phone); over any other transport it is sent encrypted with that password.
 */
function deliverable(deps: ProvisionDeps, req: ProvisioningRequest, rendered: { body: string; contentType: string; config: PhoneConfig | null }) {
  const plain = Buffer.from(rendered.body, "utf8");
  const password = rendered.config?.provisioning.configFilePassword;
  if (!password || req.transport === "https") return { body: plain, contentType: rendered.contentType, encrypted: false };
  const body = opensslEncrypt(plain, password, deps.configEncryptionDigest ?? "md5");
  return { body, contentType: "application/octet-stream", encrypted: true };
}

/**
 * The provisioning pipeline, transport-agnostic: identify -> authorize -> resolve -> render.
 * Unknown MACs and failed authorisation give the same result, so a caller cannot tell them apart.
 */
export function provision(req: ProvisioningRequest, deps: ProvisionDeps, auth: Authenticator | null): ProvisionResult {
  const guessed = identifyRequest(req, deps.vendors, (v, e) => deps.logger.warn({ vendor: v.id, err: e }, "vendor identify failed"));
  if (!guessed?.file) return findFirmware(req, deps);
  let id: Identification & { file: NonNullable<Identification["file"]> } = { ...guessed, file: guessed.file };
  let device: DeviceRow | null = null;
  let tenant: Tenant | null = null;
  let authMethod: AuthMethod = "none";
  let authDetail: AuthDetail = {};
  if (id.file.kind === "device") {
    const q = hotQueries(deps.db);
    device = (id.file.mac && q.deviceByMac.get({ mac: id.file.mac })) || null;
    // A known device's record decides its vendor: the OUI guess only stands for unknown phones.
    const own = device && device.vendor !== id.vendor ? deps.vendors.find((v) => v.id === device!.vendor) : undefined;
    const asRecorded = own ? identifyAs(req, own) : null;
    if (asRecorded?.file?.kind === "device" && asRecorded.file.mac === id.file.mac) id = { ...asRecorded, file: asRecorded.file };
    if (!device || device.vendor !== id.vendor) {
      // Same work as a real check, so timing does not tell unknown MACs from known ones.
      if (auth?.method === "digest") auth.check(randomPassword(12), randomPassword());
      if (!device) discover(deps, req, id);
      return { outcome: "unauthorized", device: null, credentialsFailed: auth?.method === "digest", authDetail: {} };
    }
    tenant = q.tenantById.get({ id: device.tenantId }) ?? null;
    const granted: Authorization = tenant ? authorize(tenant, device, deps, req, auth) : { method: null, detail: {} };
    if (!granted.method) return { outcome: "unauthorized", device, credentialsFailed: auth?.method === "digest", authDetail: granted.detail };
    authMethod = granted.method;
    authDetail = granted.detail;
  }
  let baseUrl = deps.publicUrl;
  if (device && tenant) {
    const choice = baseUrlFor(deps, req, tenant);
    if (!choice.ok) {
      deps.logger.warn(
        { mac: device.mac, address: req.remoteAddress, transport: req.transport, url: choice.url, source: choice.source },
        "not served: the only provisioning URL at hand is loopback and the phone is not; set --public-url (PHONEHOME_PUBLIC_URL) or the tenant's provisioningBaseUrl",
      );
      return { outcome: "unreachable_url", device, url: choice.url };
    }
    baseUrl = choice.url;
  }
  if (device && tenant?.configEncryption && ENCRYPTING_VENDORS.has(device.vendor)) ensureConfigKey(deps, device.id);
  const rendered = render(deps, id, req, device, tenant, baseUrl);
  if (!rendered) return { outcome: "not_found" };
  const { body, contentType, encrypted } = deliverable(deps, req, rendered);
  const credentials = id.file.kind === "device" && rendered.config ? rendered.config.lines.map((l) => l.extension) : [];
  return {
    outcome: "served",
    body,
    contentType,
    hash: sha256Hex(body),
    kind: id.file.kind,
    authMethod,
    authDetail,
    device,
    identification: id,
    credentials,
    encrypted,
  };
}

/** The vendor/model/firmware a request's User-Agent names, whatever file it asked for. */
export { identifyAgent };
