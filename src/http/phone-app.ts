import Router from "@koa/router";
import Koa from "koa";
import type { Logger } from "pino";
import { randomUUID } from "node:crypto";
import { normalizeAddress } from "../domain/validation.ts";
import type { ProvisioningRequest } from "../domain/provisioning-request.ts";
import type { FetchOutcome } from "../provisioning/fetch-recorder.ts";
import { provision, type Authenticator, type ProvisionDeps, type ProvisionResult } from "../provisioning/provision.ts";
import type { TLSSocket } from "node:tls";
import type { ClientCertificate } from "../domain/provisioning-request.ts";
import { EnumerationGuard, type EnumerationGuardOptions } from "../provisioning/enumeration-guard.ts";
import { DigestAuth, parseDigestHeader } from "./digest.ts";
import { phoneEventRouter } from "./phone-events.ts";
import { sendFirmware } from "./firmware-response.ts";
import { requestBaseUrl } from "../provisioning/base-url.ts";

export interface PhoneAppOptions extends EnumerationGuardOptions {
  readonly nonceTtlSeconds: number;
  /** The client certificate of a TLS connection (set by the HTTPS listener); undefined on plain HTTP. */
  readonly peerCertificate?: (socket: TLSSocket) => ClientCertificate | undefined;
  /** A tenant's devices see many bad credentials: a distributed attack (logged and audited). */
  readonly onTenantAlert?: (tenantId: number, failures: number) => void;
}

// Vendor file names are short and plain; anything else is not in the served set.
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function uriPath(uri: string): string | null {
  try {
    return new URL(uri, "http://phone.invalid").pathname;
  } catch {
    return null;
  }
}

const PROXY_HEADERS = ["forwarded", "x-forwarded-for", "x-real-ip"] as const;

/** Where the phone says it reached us, and whether a proxy stands between (base-url.ts). */
function requestOrigin(host: string, tls: boolean, headers: Record<string, unknown>): Pick<ProvisioningRequest, "requestUrl" | "forwarded"> {
  const requestUrl = requestBaseUrl(tls ? "https" : "http", host || undefined);
  const forwarded = PROXY_HEADERS.some((h) => headers[h] !== undefined);
  return { ...(requestUrl ? { requestUrl } : {}), ...(forwarded ? { forwarded } : {}) };
}

/**
 * The phone-facing app: the vendors' boot files at the root, GET and HEAD only. Unknown MACs,
 * wrong credentials and disallowed networks all get the same 401 with a fresh Digest challenge;
 * repeated failures from one address are answered more and more slowly, then with 429
 * (enumeration-guard.ts). Served over HTTP and, by the HTTPS listener, over TLS: the same app.
 */
export function createPhoneApp(deps: ProvisionDeps, options: PhoneAppOptions): Koa {
  const app = new Koa({ proxy: false });
  const digest = new DigestAuth(options.nonceTtlSeconds * 1000, () => deps.clock().getTime());
  const guard = new EnumerationGuard(options, () => deps.clock().getTime(), options.onTenantAlert);
  const sweeper = setInterval(() => digest.sweep(), 60_000);
  sweeper.unref();

  app.use(async (ctx, next) => {
    const started = performance.now();
    const log: Logger = deps.logger.child({ rid: randomUUID().slice(0, 8) });
    ctx.state.log = log;
    try {
      await next();
    } catch (err) {
      log.error({ err }, "phone request failed");
      ctx.status = 500;
      ctx.body = "Internal Server Error";
    }
    // Event URLs carry the device's secret in the path: never log it.
    const path = ctx.path.slice(0, 160).replace(/^\/events\/([^/]*)\/[^/]*/, "/events/$1/***");
    log.info({ method: ctx.method, path, status: ctx.status, ms: Math.round(performance.now() - started) }, "phone fetch");
  });

  const router = new Router();
  router.get("/:file", async (ctx) => {
    const address = normalizeAddress(ctx.socket.remoteAddress ?? "");
    const fileName = ctx.params.file ?? "";
    const tls = (ctx.socket as TLSSocket).encrypted === true;
    const clientCert = tls ? options.peerCertificate?.(ctx.socket as TLSSocket) : undefined;
    const req: ProvisioningRequest = {
      transport: tls ? "https" : "http",
      fileName,
      userAgent: ctx.get("user-agent") || undefined,
      remoteAddress: address,
      ...(clientCert ? { clientCert } : {}),
      ...requestOrigin(ctx.get("host"), tls, ctx.headers),
    };
    const record = (outcome: FetchOutcome, result: ProvisionResult | null, bytes: number | null = null) =>
      recordFetch(deps, req, ctx.status, outcome, result, bytes);
    if (!FILE_NAME.test(fileName)) {
      ctx.status = 404;
      ctx.body = "Not Found";
      return;
    }
    const retryAfter = guard.retryAfter(address);
    if (retryAfter > 0) {
      // Blocked before any work: no Digest check, no database read, no config.
      ctx.status = 429;
      ctx.set("Retry-After", String(retryAfter));
      ctx.body = "Too Many Requests";
      record("rate_limited", null);
      return;
    }
    const params = parseDigestHeader(ctx.get("authorization") || undefined);
    let nonceState: "ok" | "stale" | "invalid" | "absent" = "absent";
    let auth: Authenticator | null = null;
    if (params) {
      nonceState = digest.checkNonce(params.nonce, address);
      if (nonceState === "ok" && uriPath(params.uri) === ctx.path) {
        auth = { method: "digest", check: (u, p) => digest.verify(params, ctx.method === "HEAD" ? "HEAD" : "GET", u, p) };
      }
    }
    const result = provision(req, deps, auth);
    if (result.outcome === "not_found") {
      ctx.status = 404;
      ctx.body = "Not Found";
      record("not_found", result);
      return;
    }
    if (result.outcome === "unauthorized") {
      // Presented proof that failed counts at once; a bare request (or a stale nonce) is a challenge.
      const failed = result.credentialsFailed || (params !== null && nonceState === "invalid") || req.clientCert !== undefined;
      const device = result.device ? { id: result.device.id, tenantId: result.device.tenantId } : null;
      await sleep(guard.failure(address, failed ? "failed" : "challenged", fileName, device));
      ctx.status = 401;
      ctx.set("WWW-Authenticate", digest.challenge(address, nonceState === "stale"));
      ctx.set("Cache-Control", "no-store");
      ctx.body = "Unauthorized";
      record("unauthorized", result);
      return;
    }
    if (result.outcome === "unreachable_url") {
      // Logged by the pipeline; the phone retries later, by when an operator has set --public-url.
      ctx.status = 503;
      ctx.set("Retry-After", "300");
      ctx.body = "Service Unavailable";
      record("error", null);
      return;
    }
    if (result.outcome === "firmware") {
      const sent = await sendFirmware(ctx, result.image);
      record(sent.status < 300 ? "served" : sent.status === 404 ? "not_found" : "error", result, sent.bytes);
      return;
    }
    if (result.device) guard.success(address, fileName, result.device.id);
    const etag = `"${result.hash.slice(0, 32)}"`;
    ctx.set("ETag", etag);
    ctx.set("Cache-Control", result.kind === "device" ? "no-store" : "no-cache");
    ctx.type = result.contentType;
    if (ctx.get("if-none-match").split(/\s*,\s*/).includes(etag)) {
      ctx.status = 304;
      record("not_modified", result);
      return;
    }
    ctx.body = result.body;
    record("served", result);
  });
  const events = phoneEventRouter(deps);
  app.use(events.routes());
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.use(async (ctx) => {
    // Reached only when no route matched; assigning a body alone would turn the 404 into a 200.
    ctx.status = 404;
    ctx.body = "Not Found";
  });
  return app;
}

/** One fetch-log row: who asked for what, over what, authenticated how, with what outcome. */
function recordFetch(
  deps: ProvisionDeps,
  req: ProvisioningRequest,
  status: number,
  outcome: FetchOutcome,
  result: ProvisionResult | null,
  firmwareBytes: number | null,
): void {
  const served = result?.outcome === "served" ? result : null;
  const withDevice = result?.outcome === "served" || result?.outcome === "unauthorized" ? result : null;
  const device = withDevice?.device ?? null;
  const detail = withDevice ? withDevice.authDetail : req.clientCert ? { certSubject: req.clientCert.subject, certSerial: req.clientCert.serial, certFailure: req.clientCert.failure ?? undefined } : {};
  deps.recorder.record({
    at: deps.clock().getTime(),
    transport: req.transport,
    sourceIp: req.remoteAddress,
    fileName: req.fileName.slice(0, 128),
    mac: device?.mac ?? null,
    deviceId: device?.id ?? null,
    tenantId: device?.tenantId ?? null,
    userAgent: req.userAgent?.slice(0, 256) ?? null,
    outcome,
    status,
    authMethod: served?.authMethod ?? null,
    configHash: served?.hash ?? null,
    bytes: served && outcome === "served" ? served.body.length : firmwareBytes,
    authUser: served ? (detail.digestUser ?? null) : null,
    certSubject: detail.certSubject?.slice(0, 256) ?? null,
    certSerial: detail.certSerial?.slice(0, 64) ?? null,
    certFailure: detail.certFailure ?? null,
    networkRule: served ? (detail.networkRule ?? null) : null,
    credentials: served && served.credentials.length ? served.credentials.join(",") : null,
    encrypted: served ? served.encrypted : null,
    ...(served?.device ? { seen: { firmware: served.identification.firmware } } : {}),
  });
}
