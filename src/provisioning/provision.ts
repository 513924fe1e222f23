import { join } from "node:path";
import type { Logger } from "pino";
import type { ProvisioningRequest } from "../domain/provisioning-request.ts";
import { randomPassword } from "../secrets.ts";
import type { ServiceDeps } from "../services/deps.ts";
import type { FileKind, Identification, Vendor } from "../vendors/vendor.ts";
import type { FetchRecorder } from "./fetch-recorder.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { identifyAs, identifyRequest } from "./identify-device.ts";
import { certificateOpens } from "./client-cert-auth.ts";
import { ensureConfigKey, type EncryptionDigest } from "./config-encryption.ts";
import { deliverFile, type Delivery } from "./deliver.ts";
import { secretValuesOf } from "./served-files.ts";
import type { CachedFile, RenderCache } from "./render-cache.ts";
import { matchingNetwork } from "./network-rules.ts";
import { closeBootstrap, takeBootstrap } from "./bootstrap.ts";
import { andThen, type Maybe } from "./maybe.ts";
import type { RequestReads } from "./request-reads.ts";
import { chooseBaseUrl, isLoopbackAddress, type BaseUrlChoice } from "./base-url.ts";
import { resolvePhoneConfig } from "./resolve.ts";
import type { TemplateStore } from "./template-store.ts";
import type { SourceLimiter } from "./source-limiter.ts";
import type { DeviceRow, FirmwareRow, Tenant } from "../db/rows.ts";

export interface ProvisionDeps extends ServiceDeps {
  readonly vendors: readonly Vendor[];
  readonly templates: TemplateStore;
  readonly publicUrl: string;
  /** The operator set publicUrl (`--public-url`): it wins over the URL a phone's request used. */
  readonly publicUrlConfigured?: boolean;
  readonly recorder: FetchRecorder;
  /** The reads of every fetch (request-reads.ts): synchronous on SQLite, queries on PostgreSQL. */
  readonly reads: RequestReads;
  readonly discoveryLimiter: SourceLimiter;
  readonly logger: Logger;
  /** EVP_BytesToKey digest of encrypted Grandstream files (config key `configEncryptionDigest`); default md5. */
  readonly configEncryptionDigest?: EncryptionDigest;
  /** Prometheus counters (src/metrics/metrics.ts); absent in tests that do not look at them. */
  readonly metrics?: Metrics;
  /** Rendered files kept between fetches (render-cache.ts); without it every fetch renders (and is a promise). */
  readonly renderCache?: RenderCache;
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
  | {
      readonly method: "digest";
      check(username: string, password: string): boolean;
      /**
       * The same check given the device's password as sealed in the database, so that the
       * authenticator can keep a derivative of it (HTTP: the Digest HA1, src/http/digest-ha1.ts)
       * instead of decrypting it on every request. UNKNOWN_DEVICE_SECRET for a MAC no device has.
       */
      checkSealed?(username: string, sealed: string): boolean;
    }
  | { readonly method: "trusted_network" };

/** The sealed password checkSealed() gets for an unknown MAC: checked with the same work, never matching. */
export const UNKNOWN_DEVICE_SECRET = "unknown-device";

export type AuthMethod = "digest" | "network" | "certificate" | "digest+certificate" | "bootstrap" | "none";

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

interface Served extends Delivery {
  readonly outcome: "served";
  readonly kind: FileKind;
  /** The base URL written into the file (base-url.ts); null for a common file. */
  readonly baseUrl: string | null;
  readonly authMethod: AuthMethod;
  readonly authDetail: AuthDetail;
  readonly device: DeviceRow | null;
  readonly identification: Identification;
  /** Extension numbers whose SIP credentials the body holds (audit: who fetched which credentials). */
  readonly credentials: readonly string[];
  /** Secret values of the configuration the file was rendered from (src/provisioning/served-files.ts). */
  readonly secretValues: readonly string[];
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
 * No credentials exist on this transport: the operator's network trust stands in for them, but a
 * tenant that lists its own networks (network modes) is still held to them.
 */
function trustedNetwork(tenant: Tenant, rule: string | null): Authorization {
  const tenantNetworks = tenant.authMode !== "credentials" && tenant.allowedNetworks.length > 0;
  if (tenantNetworks && !rule) return { method: null, detail: {} };
  return { method: "network", detail: rule ? { networkRule: rule } : {} };
}

/** Firmware is public (no secrets): any name the catalogue holds, under the firmware folder. */
function firmwareResult(deps: ProvisionDeps, row: FirmwareRow | null): ProvisionResult {
  if (!row || !deps.firmwareDir) return { outcome: "not_found" };
  const { fileName, vendor, version, size, sha256 } = row;
  // Both path segments come from the catalogue row (generated names), never from the request.
  return { outcome: "firmware", image: { path: join(deps.firmwareDir, vendor, fileName), fileName, vendor, version, size, sha256 } };
}

/**
 * authorize: the tenant's policy decides which proofs a device request needs. `credentials` is
 * the per-device Digest password, `certificate` a verified client certificate naming the device's
 * MAC (client-cert-auth.ts), `network` one of the tenant's CIDRs.
 */
function authorize(tenant: Tenant, device: DeviceRow, deps: ProvisionDeps, req: ProvisioningRequest, auth: Authenticator | null): Authorization {
  const rule = matchingNetwork(req.remoteAddress, tenant.allowedNetworks);
  if (auth?.method === "trusted_network") return trustedNetwork(tenant, rule);
  // Plain calls, no closures: this runs on every device fetch of a boot storm.
  const cert = certificateDetail(req, device);
  const digest = { digestUser: device.provUsername };
  const net = rule ? { networkRule: rule } : {};
  switch (tenant.authMode) {
    case "credentials":
      return credentialsOk(auth, device, deps) ? grant(cert, "digest", digest) : grant(cert, null);
    case "network":
      return rule ? grant(cert, "network", net) : grant(cert, null);
    case "credentials_and_network":
      return rule && credentialsOk(auth, device, deps) ? grant(cert, "digest", { ...digest, ...net }) : grant(cert, null);
    case "credentials_or_network":
      return rule ? grant(cert, "network", net) : credentialsOk(auth, device, deps) ? grant(cert, "digest", digest) : grant(cert, null);
    case "certificate":
      return certificateOpens(req.clientCert, device.mac) ? grant(cert, "certificate") : grant(cert, null);
    case "credentials_or_certificate":
      return certificateOpens(req.clientCert, device.mac) ? grant(cert, "certificate") : credentialsOk(auth, device, deps) ? grant(cert, "digest", digest) : grant(cert, null);
    case "credentials_and_certificate":
      return certificateOpens(req.clientCert, device.mac) && credentialsOk(auth, device, deps) ? grant(cert, "digest+certificate", digest) : grant(cert, null);
  }
}

/** The request's Digest proof holds for the device's credentials. */
function credentialsOk(auth: Authenticator | null, device: DeviceRow, deps: ProvisionDeps): boolean {
  if (auth?.method !== "digest") return false;
  return auth.checkSealed ? auth.checkSealed(device.provUsername, device.provPasswordEnc) : auth.check(device.provUsername, deps.secrets.open(device.provPasswordEnc));
}

function grant(cert: AuthDetail, method: AuthMethod | null, detail: AuthDetail = {}): Authorization {
  return { method, detail: { ...cert, ...detail } };
}

/**
 * Zero-touch first contact (bootstrap.ts): an open window bound to this address stands in for the
 * Digest credentials, under the tenant's authMode otherwise unchanged (a network or certificate it
 * requires is still required). HTTP(S) only: a TFTP source address is trivially forged. Asked only
 * when the request was not granted otherwise, of a tenant with zeroTouch on.
 */
async function bootstrapAuthorization(tenant: Tenant, device: DeviceRow, deps: ProvisionDeps, req: ProvisioningRequest): Promise<Authorization> {
  // The policy as if the window held: where the grant then rests on the credentials, the window is taken for them.
  const granted = authorize(tenant, device, deps, req, { method: "digest", check: () => true });
  if (!granted.method) return granted;
  const restsOnCredentials = granted.method === "digest" || granted.method === "digest+certificate";
  if (restsOnCredentials && !(await takeBootstrap(deps, device.id, req.remoteAddress, deps.clock().getTime()))) {
    return authorize(tenant, device, deps, req, { method: "digest", check: () => false });
  }
  const { digestUser: _unused, ...detail } = granted.detail;
  return { method: granted.method === "digest" ? "bootstrap" : granted.method, detail };
}

/**
 * Closes the window once the credentials went out in a bootstrap file, or the phone proved it has
 * them. Windows open only for tenants with zeroTouch on, so other fetches never look for one.
 */
function settleBootstrap(deps: ProvisionDeps, req: ProvisioningRequest, device: DeviceRow, tenant: Tenant, method: AuthMethod, carriesPassword: boolean): Promise<boolean> | null {
  if (!tenant.zeroTouch) return null;
  const audit = { mac: device.mac, tenantId: device.tenantId, address: req.remoteAddress };
  const now = deps.clock().getTime();
  // The file that carries the provisioning password (docs/phones.md, "holds credentials") ends the window.
  if (method === "bootstrap") return carriesPassword ? closeBootstrap(deps, device.id, now, "delivered", audit) : null;
  if (method === "digest" || method === "digest+certificate") return closeBootstrap(deps, device.id, now, "authenticated", audit);
  return null;
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
function baseUrlFor(deps: ProvisionDeps, req: ProvisioningRequest, tenant: Tenant): BaseUrlChoice {
  return chooseBaseUrl({
    tenantUrl: tenant.provisioningBaseUrl,
    serverUrl: deps.publicUrl,
    serverUrlConfigured: deps.publicUrlConfigured ?? true,
    requestUrl: req.requestUrl ?? null,
    phoneIsLocal: isLoopbackAddress(req.remoteAddress) && !req.forwarded,
  });
}

type DeviceFileId = Identification & { file: NonNullable<Identification["file"]> };

/**
 * render + deliver, through the render cache when there is one: the key names everything of the
 * request a file depends on (vendor, file, device, the base URL it is told, plaintext over HTTPS
 * or encrypted elsewhere, the day: time-zone rules follow the date); the cache's generation
 * covers everything in the database and the templates on disk. A hit is answered at once; a miss
 * resolves the configuration in one read of the asynchronous handle and renders it.
 */
function renderCached(deps: ProvisionDeps, gen: string, req: ProvisioningRequest, id: DeviceFileId, device: DeviceRow | null, tenant: Tenant | null, baseUrl: string): Maybe<CachedFile | null> {
  const cache = deps.renderCache;
  const day = Math.floor(deps.clock().getTime() / 86_400_000);
  const key = `${id.vendor}|${req.fileName}|${device?.id ?? ""}|${baseUrl}|${req.transport === "https" ? "tls" : "plain"}|${day}`;
  const hit = cache?.get(key, gen);
  if (hit) return hit;
  return renderMiss(deps, gen, req, id, device, tenant, baseUrl, key);
}

async function renderMiss(deps: ProvisionDeps, gen: string, req: ProvisioningRequest, id: DeviceFileId, device: DeviceRow | null, tenant: Tenant | null, baseUrl: string, key: string): Promise<CachedFile | null> {
  const cache = deps.renderCache;
  const vendor = deps.vendors.find((v) => v.id === id.vendor)!;
  if (device && tenant?.configEncryption && vendor.encryptsConfigs) await ensureConfigKey(deps, device.id);
  const config = device && tenant ? await deps.data.read((q) => resolvePhoneConfig(q, deps, device, tenant, baseUrl, deps.clock())) : null;
  const templates = deps.templates.forVendor(vendor.id);
  const delivery = deliverFile({ vendor, file: id.file, config, templates, transport: req.transport, digest: deps.configEncryptionDigest ?? "md5" });
  if (!delivery) return null;
  const file: CachedFile = {
    delivery,
    credentials: id.file.kind === "device" && config ? config.lines.map((l) => l.extension) : [],
    // An encrypted file is the vendor's one device file, which holds them (Grandstream cfg<mac>.xml).
    carriesProvisioningPassword: config !== null && (delivery.encrypted || delivery.body.includes(config.provisioning.password)),
    secretValues: config ? secretValuesOf(config) : [],
  };
  // Kept only when nothing was written while it rendered (another process or node, or
  // ensureConfigKey on a first fetch): a file rendered across a change is served this once and
  // rendered again next time. Files alike (vendor, file name but the MAC, tenant) share the
  // dictionary they are packed against.
  if (cache && (await deps.reads.look(null)).gen === gen) {
    const group = `${id.vendor}|${id.file.mac ? req.fileName.toLowerCase().replace(id.file.mac, "") : req.fileName}|${tenant?.id ?? ""}|${req.transport === "https" ? "tls" : "plain"}`;
    cache.set(key, gen, file, group);
  }
  return file;
}

/**
 * The provisioning pipeline, transport-agnostic: identify -> authorize -> resolve -> render ->
 * deliver (deliver.ts). Unknown MACs and failed authorisation give the same result, so a caller
 * cannot tell them apart. On SQLite a fetch the render cache answers returns its result at once;
 * otherwise the result is a promise (maybe.ts).
 *
 * The read path writes nothing itself: the fetch, the device's last-seen columns and discovery
 * entries go to the batched recorder, written later by the transport's record. Two writes happen
 * here: a device of an encrypting tenant gets its config password on its first fetch
 * (`ensureConfigKey`, once per device), because the file it is about to get carries it; and a
 * zero-touch window is taken and closed (bootstrap.ts).
 */
export function provision(req: ProvisioningRequest, deps: ProvisionDeps, auth: Authenticator | null): Maybe<ProvisionResult> {
  const guessed = identifyRequest(req, deps.vendors, deps.logger);
  if (!guessed?.file) return andThen(deps.firmwareDir ? deps.reads.firmware(req.fileName) : null, (row) => firmwareResult(deps, row));
  const id: DeviceFileId = { ...guessed, file: guessed.file };
  // Read once per request: everything this request takes from the caches belongs to it. A device
  // file's MAC is looked up in the same statement (the index only, for known and unknown MACs alike).
  const mac = id.file.kind === "device" ? id.file.mac : null;
  return andThen(deps.reads.look(mac), ({ gen, deviceId }) => {
    if (id.file.kind !== "device") return served(deps, gen, req, id, null, null, "none", {});
    if (deviceId === null) return refuseDevice(deps, req, id, auth, null);
    const cache = deps.renderCache;
    return andThen(cache ? cache.device(deviceId, gen, deps.reads.device) : deps.reads.device(deviceId), (device) => authorizeDevice(deps, gen, req, id, auth, device ?? null));
  });
}

/** A device file for a known or unknown device: the device's own vendor decides, then its tenant's policy. */
function authorizeDevice(deps: ProvisionDeps, gen: string, req: ProvisioningRequest, guessed: DeviceFileId, auth: Authenticator | null, device: DeviceRow | null): Maybe<ProvisionResult> {
  let id = guessed;
  // A known device's record decides its vendor: the OUI guess only stands for unknown phones.
  const own = device && device.vendor !== id.vendor ? deps.vendors.find((v) => v.id === device.vendor) : undefined;
  const asRecorded = own ? identifyAs(req, own) : null;
  if (asRecorded?.file?.kind === "device" && asRecorded.file.mac === id.file.mac) id = { ...asRecorded, file: asRecorded.file };
  if (!device || device.vendor !== id.vendor) return refuseDevice(deps, req, id, auth, device);
  const cache = deps.renderCache;
  return andThen(cache ? cache.tenant(device.tenantId, gen, deps.reads.tenant) : deps.reads.tenant(device.tenantId), (tenant) => {
    const granted: Authorization = tenant ? authorize(tenant, device, deps, req, auth) : { method: null, detail: {} };
    if (granted.method || !tenant?.zeroTouch || req.transport === "tftp") return afterGrant(deps, gen, req, id, auth, device, tenant, granted);
    return bootstrapAuthorization(tenant, device, deps, req).then((g) => afterGrant(deps, gen, req, id, auth, device, tenant, g));
  });
}

function afterGrant(deps: ProvisionDeps, gen: string, req: ProvisioningRequest, id: DeviceFileId, auth: Authenticator | null, device: DeviceRow, tenant: Tenant | null, granted: Authorization): Maybe<ProvisionResult> {
  if (!granted.method || !tenant) return { outcome: "unauthorized", device, credentialsFailed: auth?.method === "digest", authDetail: granted.detail };
  return served(deps, gen, req, id, device, tenant, granted.method, granted.detail);
}

/** Unknown MAC, or a MAC another vendor's phone asks for: the same answer as a wrong password. */
function refuseDevice(deps: ProvisionDeps, req: ProvisioningRequest, id: DeviceFileId, auth: Authenticator | null, device: DeviceRow | null): ProvisionResult {
  // Same work as a real check, so timing does not tell unknown MACs from known ones.
  if (auth?.method === "digest") {
    if (auth.checkSealed) auth.checkSealed(UNKNOWN_DEVICE_SECRET, UNKNOWN_DEVICE_SECRET);
    else auth.check(randomPassword(12), randomPassword());
  }
  if (!device) discover(deps, req, id);
  return { outcome: "unauthorized", device: null, credentialsFailed: auth?.method === "digest", authDetail: {} };
}

/** A granted request (or a common file): the base URL it is told, then the file. */
function served(deps: ProvisionDeps, gen: string, req: ProvisioningRequest, id: DeviceFileId, device: DeviceRow | null, tenant: Tenant | null, authMethod: AuthMethod, authDetail: AuthDetail): Maybe<ProvisionResult> {
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
  return andThen(renderCached(deps, gen, req, id, device, tenant, baseUrl), (file): Maybe<ProvisionResult> => {
    if (!file) return { outcome: "not_found" };
    const { delivery, credentials, secretValues = [] } = file;
    const result: ProvisionResult = { outcome: "served", ...delivery, kind: id.file.kind, baseUrl: device && tenant ? baseUrl : null, authMethod, authDetail, device, identification: id, credentials, secretValues };
    const settling = device && tenant ? settleBootstrap(deps, req, device, tenant, authMethod, file.carriesProvisioningPassword) : null;
    return settling ? settling.then(() => result) : result;
  });
}
