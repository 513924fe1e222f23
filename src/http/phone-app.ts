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
import { checkFileName, etagMatches, fetchRecord } from "../provisioning/deliver.ts";
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
  /** The enumeration guard to count failures in; shared with TFTP by the server. Default: a new one. */
  readonly guard?: EnumerationGuard;
}

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
  const guard = options.guard ?? new EnumerationGuard(options, () => deps.clock().getTime(), options.onTenantAlert);
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

  // strict: `/y000000000096.cfg/` is no file name; without it the router served it as the file.
  const router = new Router({ strict: true });
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
      deps.recorder.record(fetchRecord({ at: deps.clock().getTime(), req, outcome, status: ctx.status, result, bytes }));
    if (!checkFileName(fileName)) {
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
    // A stale nonce never grants; the password is still checked, so stale=true tells a phone
    // "retry with a fresh nonce" only when its password was right (RFC 7616 §3.3), never a guesser.
    let staleButRight = false;
    if (params) {
      nonceState = digest.checkNonce(params.nonce, address);
      const method = ctx.method === "HEAD" ? "HEAD" : "GET";
      if (nonceState === "ok" && uriPath(params.uri) === ctx.path) {
        auth = { method: "digest", check: (u, p) => digest.verify(params, method, u, p) };
      } else if (nonceState === "stale" && uriPath(params.uri) === ctx.path) {
        auth = { method: "digest", check: (u, p) => ((staleButRight = digest.proves(params, method, u, p)), false) };
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
      const failed = (result.credentialsFailed && !staleButRight) || (params !== null && nonceState === "invalid") || req.clientCert !== undefined;
      const device = result.device ? { id: result.device.id, tenantId: result.device.tenantId } : null;
      await sleep(guard.failure(address, failed ? "failed" : "challenged", fileName, device));
      ctx.status = 401;
      ctx.set("WWW-Authenticate", digest.challenge(address, staleButRight));
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
    ctx.set("ETag", result.etag);
    ctx.set("Cache-Control", result.kind === "device" ? "no-store" : "no-cache");
    ctx.type = result.contentType;
    if (etagMatches(ctx.get("if-none-match"), result.etag)) {
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
