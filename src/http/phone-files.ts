import type { IncomingMessage, IncomingHttpHeaders, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { normalizeAddress } from "../domain/validation.ts";
import type { ProvisioningRequest } from "../domain/provisioning-request.ts";
import type { FetchOutcome } from "../provisioning/fetch-recorder.ts";
import { provision, type Authenticator, type ProvisionDeps, type ProvisionResult } from "../provisioning/provision.ts";
import { checkFileName, etagMatches, fetchRecord } from "../provisioning/deliver.ts";
import type { EnumerationGuard } from "../provisioning/enumeration-guard.ts";
import { requestBaseUrl } from "../provisioning/base-url.ts";
import { countFetch } from "../metrics/metrics.ts";
import type { ClientCertificate } from "../domain/provisioning-request.ts";
import { parseDigestHeader, type DigestAuth } from "./digest.ts";
import type { DigestHa1Cache } from "./digest-ha1.ts";
import { sendFirmware } from "./firmware-response.ts";
import { contentTypeHeader, sendText } from "./plain-response.ts";

/**
 * The phones' boot files (`GET|HEAD /<file>`), answered on a plain `node:http` request handler.
 * A boot storm is thousands of these a second, and koa's context, router and middleware cost
 * several times what Node itself needs per request (CPU profile of `bench:storm`,
 * docs/benchmarks.md); everything else on the phone listener (health, events, other methods)
 * still goes through koa (phone-app.ts). Statuses, headers and bodies are the ones koa sent.
 */

/** The file a request names, when it is a phone file this handler answers; null sends it to koa. */
export interface PhoneFileTarget {
  /** The last path segment, URL-decoded, passing checkFileName. */
  readonly fileName: string;
  /** The request's path as sent (not decoded): what a Digest `uri` must name. */
  readonly path: string;
}

/**
 * GET and HEAD of `/<name>` where the decoded name passes checkFileName, as koa's router matched
 * `/:file` (strict: no trailing slash); `/healthz` and `/readyz` stay with the health middleware.
 */
export function phoneFileTarget(req: IncomingMessage): PhoneFileTarget | null {
  if (req.method !== "GET" && req.method !== "HEAD") return null;
  let url = req.url ?? "";
  if (url[0] !== "/") {
    // absolute-form request target (RFC 9112 3.2.2): its path, as koa's URL parsing took it
    try {
      const u = new URL(url);
      url = u.pathname + u.search;
    } catch {
      return null;
    }
  }
  let end = url.length;
  for (let i = 1; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 0x3f || c === 0x23) {
      end = i;
      break;
    }
    if (c === 0x2f) return null; // a second segment: not a phone file
  }
  const path = end === url.length ? url : url.slice(0, end);
  if (path === "/healthz" || path === "/readyz") return null;
  let name = path.slice(1);
  if (name.includes("%")) {
    try {
      name = decodeURIComponent(name);
    } catch {
      return null;
    }
  }
  return checkFileName(name) ? { fileName: name, path } : null;
}

function uriPath(uri: string): string | null {
  try {
    return new URL(uri, "http://phone.invalid").pathname;
  } catch {
    return null;
  }
}

/** Where the phone says it reached us, and whether a proxy stands between (base-url.ts). */
function requestOrigin(host: string, tls: boolean, headers: IncomingHttpHeaders): Pick<ProvisioningRequest, "requestUrl" | "forwarded"> {
  const requestUrl = requestBaseUrl(tls ? "https" : "http", host || undefined);
  // The proxy headers: Forwarded (RFC 7239), X-Forwarded-For, X-Real-IP.
  const forwarded = headers.forwarded !== undefined || headers["x-forwarded-for"] !== undefined || headers["x-real-ip"] !== undefined;
  return { ...(requestUrl ? { requestUrl } : {}), ...(forwarded ? { forwarded } : {}) };
}

/** Counts and logs one answered request (the fetch recorder writes it later, off the event loop). */
function recordFetch(deps: ProvisionDeps, preq: ProvisioningRequest, res: ServerResponse, outcome: FetchOutcome, result: ProvisionResult | null, bytes: number | null): void {
  countFetch(deps.metrics, preq.transport, outcome, result);
  deps.recorder.record(fetchRecord({ at: deps.clock().getTime(), req: preq, outcome, status: res.statusCode, result, bytes }));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface PhoneFileOptions {
  readonly digest: DigestAuth;
  readonly ha1: DigestHa1Cache;
  readonly guard: EnumerationGuard;
  /** The client certificate of a TLS connection (set by the HTTPS listener); undefined on plain HTTP. */
  readonly peerCertificate?: (socket: TLSSocket) => ClientCertificate | undefined;
}

/**
 * Unknown MACs, wrong credentials and disallowed networks all get the same 401 with a fresh Digest
 * challenge; repeated failures from one address are answered more and more slowly, then with 429
 * (enumeration-guard.ts).
 */
export function phoneFileHandler(deps: ProvisionDeps, o: PhoneFileOptions) {
  const { digest, guard, ha1 } = o;
  // Not async: a file answered from memory on SQLite is answered in this call (no promise, no
  // microtask per request); a render, PostgreSQL's reads, the guard's delay and a firmware stream
  // return a promise.
  return function servePhoneFile(req: IncomingMessage, res: ServerResponse, target: PhoneFileTarget): Promise<void> | void {
    const { fileName, path } = target;
    const socket = req.socket as TLSSocket;
    const address = normalizeAddress(socket.remoteAddress ?? "");
    const tls = socket.encrypted === true;
    const clientCert = tls ? o.peerCertificate?.(socket) : undefined;
    const headers = req.headers;
    const preq: ProvisioningRequest = {
      transport: tls ? "https" : "http",
      fileName,
      userAgent: headers["user-agent"] || undefined,
      remoteAddress: address,
      ...(clientCert ? { clientCert } : {}),
      ...requestOrigin(headers.host ?? "", tls, headers),
    };
    const retryAfter = guard.retryAfter(address);
    if (retryAfter > 0) {
      // Blocked before any work: no Digest check, no database read, no config.
      res.setHeader("Retry-After", String(retryAfter));
      sendText(res, 429, "Too Many Requests");
      deps.metrics?.authBlocks.inc();
      recordFetch(deps, preq, res, "rate_limited", null, null);
      return;
    }
    const params = parseDigestHeader(headers.authorization || undefined);
    let nonceState: NonceState = "absent";
    let auth: Authenticator | null = null;
    // A stale nonce never grants; the password is still checked, so stale=true tells a phone
    // "retry with a fresh nonce" only when its password was right (RFC 7616 §3.3), never a guesser.
    // `proven` is set when the grant rests on a Digest response: its nc is recorded against replays (below).
    const proof = { proven: false, staleButRight: false };
    if (params) {
      nonceState = digest.checkNonce(params.nonce, address);
      const method = req.method === "HEAD" ? "HEAD" : "GET";
      if (nonceState === "ok" && uriPath(params.uri) === path) {
        auth = {
          method: "digest",
          check: (u, p) => (proof.proven = digest.proves(params, method, u, p)),
          checkSealed: (u, sealed) => (proof.proven = digest.provesHa1(params, method, u, ha1.of(u, sealed))),
        };
      } else if (nonceState === "stale" && uriPath(params.uri) === path) {
        auth = {
          method: "digest",
          check: (u, p) => ((proof.staleButRight = digest.proves(params, method, u, p)), false),
          checkSealed: (u, sealed) => ((proof.staleButRight = digest.provesHa1(params, method, u, ha1.of(u, sealed))), false),
        };
      }
    }
    const result = provision(preq, deps, auth);
    if (result instanceof Promise) return result.then((r) => respond(deps, o, req, res, preq, params, nonceState, proof, r));
    return respond(deps, o, req, res, preq, params, nonceState, proof, result);
  };
}

type NonceState = "ok" | "stale" | "invalid" | "absent";

/** The answer to a request the pipeline has decided: 404, 401 (at once or after the guard's delay), or the file. */
function respond(
  deps: ProvisionDeps,
  o: PhoneFileOptions,
  req: IncomingMessage,
  res: ServerResponse,
  preq: ProvisioningRequest,
  params: ReturnType<typeof parseDigestHeader>,
  nonceState: NonceState,
  proof: { readonly proven: boolean; readonly staleButRight: boolean },
  result: ProvisionResult,
): Promise<void> | void {
  if (result.outcome === "not_found") {
    sendText(res, 404, "Not Found");
    recordFetch(deps, preq, res, "not_found", result, null);
    return;
  }
  if (result.outcome === "unauthorized") {
    // Presented proof that failed counts at once; a bare request (or a stale nonce) is a challenge.
    const failed = (result.credentialsFailed && !proof.staleButRight) || (params !== null && nonceState === "invalid") || preq.clientCert !== undefined;
    return refuse(deps, o, res, preq, result, failed, proof.staleButRight);
  }
  if (proof.proven && params) {
    // A proven response whose nc was seen before is a replay: refused as a failed proof.
    const fresh = o.digest.advance(params);
    if (fresh === false) return refuse(deps, o, res, preq, replayed(result), true, false);
    if (fresh !== true) return fresh.then((ok) => (ok ? answer(deps, o, req, res, preq, result) : refuse(deps, o, res, preq, replayed(result), true, false)));
  }
  return answer(deps, o, req, res, preq, result);
}

type Refused = Extract<ProvisionResult, { outcome: "unauthorized" }>;
type Granted = Exclude<ProvisionResult, { outcome: "unauthorized" | "not_found" }>;

/** A granted result whose Digest response was a replay: refused like a wrong password, for the same device. */
function replayed(result: Granted): Refused {
  const device = result.outcome === "served" ? result.device : null;
  return { outcome: "unauthorized", device, credentialsFailed: true, authDetail: result.outcome === "served" ? result.authDetail : {} };
}

/** 401 with a fresh challenge; `failed` counts at once against the source (enumeration-guard.ts). */
function refuse(deps: ProvisionDeps, o: PhoneFileOptions, res: ServerResponse, preq: ProvisioningRequest, result: Refused, failed: boolean, stale: boolean): Promise<void> | void {
  const device = result.device ? { id: result.device.id, tenantId: result.device.tenantId } : null;
  deps.metrics?.authFailures.inc({ kind: failed ? "failed" : "challenged" });
  const delay = o.guard.failure(preq.remoteAddress, failed ? "failed" : "challenged", preq.fileName, device);
  const challenge = () => {
    res.setHeader("WWW-Authenticate", o.digest.challenge(preq.remoteAddress, stale));
    res.setHeader("Cache-Control", "no-store");
    sendText(res, 401, "Unauthorized");
    recordFetch(deps, preq, res, "unauthorized", result, null);
  };
  // The same for known and unknown MACs: a delay of 0 is no timer, for either.
  if (delay > 0) return sleep(delay).then(challenge);
  challenge();
}

/** A granted request's answer: the file (or 304), a firmware image, or 503 without a reachable URL. */
function answer(deps: ProvisionDeps, o: PhoneFileOptions, req: IncomingMessage, res: ServerResponse, preq: ProvisioningRequest, result: Granted): Promise<void> | void {
  if (result.outcome === "unreachable_url") {
    // Logged by the pipeline; the phone retries later, by when an operator has set --public-url.
    res.setHeader("Retry-After", "300");
    sendText(res, 503, "Service Unavailable");
    deps.metrics?.unreachableUrl.inc({ transport: preq.transport });
    recordFetch(deps, preq, res, "error", null, null);
    return;
  }
  if (result.outcome === "firmware") {
    return sendFirmware(req, res, result.image).then((sent) => recordFetch(deps, preq, res, sent.status < 300 ? "served" : sent.status === 404 ? "not_found" : "error", result, sent.bytes));
  }
  if (result.device) o.guard.success(preq.remoteAddress, preq.fileName, result.device.id);
  res.setHeader("ETag", result.etag);
  res.setHeader("Cache-Control", result.kind === "device" ? "no-store" : "no-cache");
  const ifNoneMatch = req.headers["if-none-match"];
  if (ifNoneMatch && etagMatches(ifNoneMatch, result.etag)) {
    // No Content-Type or Content-Length on a 304 (koa stripped them).
    res.statusCode = 304;
    res.end();
    recordFetch(deps, preq, res, "not_modified", result, null);
    return;
  }
  const type = contentTypeHeader(result.contentType);
  if (type) res.setHeader("Content-Type", type);
  res.setHeader("Content-Length", result.body.length);
  res.statusCode = 200;
  res.end(result.body);
  recordFetch(deps, preq, res, "served", result, null);
}
