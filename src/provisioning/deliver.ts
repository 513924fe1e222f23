import { createHmac } from "node:crypto";
import type { PhoneConfig } from "../domain/phone-config.ts";
import type { ProvisioningRequest } from "../domain/provisioning-request.ts";
import { sha256Hex } from "../secrets.ts";
import type { IdentifiedFile, RenderedFile, TemplateSet, Vendor } from "../vendors/vendor.ts";
import { opensslEncrypt, type EncryptionDigest } from "./config-encryption.ts";
import type { FetchOutcome, FetchRecord } from "./fetch-recorder.ts";
import type { ProvisionResult } from "./provision.ts";

/**
 * The deliver step, the one place that turns a rendered file into what goes on the wire and
 * into the fetch log. HTTP, HTTPS and TFTP (through provision()), the admin preview and drift all
 * come here, so a hash, an ETag or an encrypted body cannot differ between them.
 */

// Vendor file names are short and plain; anything else is not in the served set.
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** The file-name check of every transport: the name when it is one a phone may ask for, else null. */
export function checkFileName(name: string): string | null {
  return FILE_NAME.test(name) ? name : null;
}

export interface Delivery {
  /** The bytes sent. */
  readonly body: Buffer;
  readonly contentType: string;
  /**
   * SHA-256 of the rendered file before encryption: what `fetch_log.config_hash` stores and drift
   * compares. It names the configuration, whichever transport carried it and encrypted or not.
   */
  readonly contentHash: string;
  /** Strong ETag of `body` (quoted). */
  readonly etag: string;
  /** `body` is the rendered file encrypted with the device's config password. */
  readonly encrypted: boolean;
  /** The rendered file itself when `body` is encrypted (kept as the last served copy, never sent). */
  readonly plain?: Buffer;
}

export interface DeliverInput {
  readonly vendor: Vendor;
  readonly file: IdentifiedFile;
  /** The device's resolved configuration for a device file; null for a common file. */
  readonly config: PhoneConfig | null;
  readonly templates: TemplateSet;
  readonly transport: ProvisioningRequest["transport"];
  /** EVP_BytesToKey digest of encrypted files (config key `configEncryptionDigest`). */
  readonly digest: EncryptionDigest;
}

/**
 * The salt of an encrypted file, derived from its password and plaintext: the same configuration
 * encrypts to the same bytes, so its ETag answers 304 and its hash is stable. It reveals only
 * that two fetches got the same file, which the ETag says anyway.
 */
function saltFor(password: string, plain: Buffer): Buffer {
  return createHmac("sha256", password).update(plain).digest().subarray(0, 8);
}

/**
 * Encryption (issue 7): the file holds its own decryption password (P1359) when the tenant
 * encrypts configs. Over HTTPS it is sent as is (the TLS channel, authenticated, is how the
 * password reaches the phone); over any other transport it is sent encrypted with that password.
 */
function deliverRendered(rendered: RenderedFile, password: string | null, transport: DeliverInput["transport"], digest: EncryptionDigest): Delivery {
  const plain = Buffer.from(rendered.body, "utf8");
  const contentHash = sha256Hex(plain);
  if (!password || transport === "https") {
    return { body: plain, contentType: rendered.contentType, contentHash, etag: etagOf(contentHash), encrypted: false };
  }
  const body = opensslEncrypt(plain, password, digest, saltFor(password, plain));
  return { body, contentType: "application/octet-stream", contentHash, etag: etagOf(sha256Hex(body)), encrypted: true, plain };
}

/**
 * Renders an identified file and delivers it. Returns null when the vendor does not serve the
 * file for this configuration. The render cache hooks in here: what it may keep is the rendered
 * file of (vendor, file name, device) with its `contentHash`; encryption and the ETag follow.
 */
export function deliverFile(input: DeliverInput): Delivery | null {
  const rendered = input.vendor.renderFile(input.file, input.config, input.templates);
  if (!rendered) return null;
  const password = input.file.kind === "device" ? (input.config?.provisioning.configFilePassword ?? null) : null;
  return deliverRendered(rendered, password, input.transport, input.digest);
}

const etagOf = (hash: string): string => `"${hash.slice(0, 32)}"`;

/** True when an `If-None-Match` header names `etag`. */
export function etagMatches(ifNoneMatch: string, etag: string): boolean {
  return ifNoneMatch.split(/\s*,\s*/).includes(etag);
}

/** The fetch outcome of one request as a transport saw it; `bytes` when the transport counted them (firmware, TFTP). */
export interface FetchEvent {
  readonly at: number;
  readonly req: ProvisioningRequest;
  readonly outcome: FetchOutcome;
  readonly status: number;
  readonly result: ProvisionResult | null;
  readonly bytes?: number | null;
}

/** One fetch-log row: who asked for what, over what, authenticated how, with what outcome. */
export function fetchRecord(e: FetchEvent): FetchRecord {
  const { req, result, outcome } = e;
  const served = result?.outcome === "served" ? result : null;
  const withDevice = result?.outcome === "served" || result?.outcome === "unauthorized" ? result : null;
  const device = withDevice?.device ?? null;
  const c = req.clientCert;
  const detail = withDevice ? withDevice.authDetail : c ? { certSubject: c.subject, certSerial: c.serial, certFailure: c.failure ?? undefined } : {};
  const sentBody = served && outcome === "served" ? served.body.length : null;
  return {
    at: e.at,
    transport: req.transport,
    sourceIp: req.remoteAddress,
    fileName: req.fileName.slice(0, 128),
    mac: device?.mac ?? null,
    deviceId: device?.id ?? null,
    tenantId: device?.tenantId ?? null,
    userAgent: req.userAgent?.slice(0, 256) ?? null,
    outcome,
    status: e.status,
    authMethod: served?.authMethod ?? null,
    configHash: served?.contentHash ?? null,
    bytes: e.bytes ?? sentBody,
    authUser: served ? (detail.digestUser ?? null) : null,
    certSubject: detail.certSubject?.slice(0, 256) ?? null,
    certSerial: detail.certSerial?.slice(0, 64) ?? null,
    certFailure: detail.certFailure ?? null,
    networkRule: served ? (detail.networkRule ?? null) : null,
    credentials: served && served.credentials.length ? served.credentials.join(",") : null,
    encrypted: served ? served.encrypted : null,
    servedCopy: served && outcome === "served" && served.kind === "device" && served.device ? { plain: served.plain ?? served.body, secrets: served.secretValues } : null,
    // A 304 is a fetch too: the device was seen.
    ...(served?.device && (outcome === "served" || outcome === "not_modified") ? { seen: { firmware: served.identification.firmware, baseUrl: served.baseUrl } } : {}),
  };
}
