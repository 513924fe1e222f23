import Router from "@koa/router";
import Koa from "koa";
import type { Logger } from "pino";
import { randomUUID } from "node:crypto";
import { normalizeAddress } from "../domain/validation.ts";
import type { ProvisioningRequest } from "../domain/provisioning-request.ts";
import type { FetchOutcome } from "../provisioning/fetch-recorder.ts";
import { provision, type Authenticator, type ProvisionDeps, type ProvisionResult } from "../provisioning/provision.ts";
import { SourceLimiter } from "../provisioning/source-limiter.ts";
import { DigestAuth, parseDigestHeader } from "./digest.ts";
import { sendFirmware } from "./firmware-response.ts";

export interface PhoneAppOptions {
  readonly nonceTtlSeconds: number;
  readonly authFailThreshold: number;
  readonly authFailWindowSeconds: number;
  readonly authFailMaxDelayMs: number;
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

/**
 * The phone-facing app: the vendors' boot files at the root, GET and HEAD only. Unknown MACs,
 * wrong credentials and disallowed networks all get the same 401 with a fresh Digest challenge;
 * repeated failures from one address are answered more and more slowly.
 */
export function createPhoneApp(deps: ProvisionDeps, options: PhoneAppOptions): Koa {
  const app = new Koa({ proxy: false });
  const digest = new DigestAuth(options.nonceTtlSeconds * 1000, () => deps.clock().getTime());
  const failures = new SourceLimiter(Number.MAX_SAFE_INTEGER, options.authFailWindowSeconds * 1000, () => deps.clock().getTime());
  const sweeper = setInterval(() => digest.sweep(), 60_000);
  sweeper.unref();

  const delayFor = (count: number): number =>
    count <= options.authFailThreshold ? 0 : Math.min(options.authFailMaxDelayMs, 100 * 2 ** (count - options.authFailThreshold - 1));

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
    log.info({ method: ctx.method, path: ctx.path.slice(0, 160), status: ctx.status, ms: Math.round(performance.now() - started) }, "phone fetch");
  });

  const router = new Router();
  router.get("/:file", async (ctx) => {
    const address = normalizeAddress(ctx.socket.remoteAddress ?? "");
    const fileName = ctx.params.file ?? "";
    const userAgent = ctx.get("user-agent") || undefined;
    const req: ProvisioningRequest = { transport: "http", fileName, userAgent, remoteAddress: address };
    const record = (outcome: FetchOutcome, result: ProvisionResult | null, firmwareBytes: number | null = null) => {
      const served = result?.outcome === "served" ? result : null;
      const device = result?.outcome === "served" || result?.outcome === "unauthorized" ? result.device : null;
      deps.recorder.record({
        at: deps.clock().getTime(),
        transport: "http",
        sourceIp: address,
        fileName: fileName.slice(0, 128),
        mac: device?.mac ?? null,
        deviceId: device?.id ?? null,
        tenantId: device?.tenantId ?? null,
        userAgent: userAgent?.slice(0, 256) ?? null,
        outcome,
        status: ctx.status,
        authMethod: served?.authMethod ?? null,
        configHash: served?.hash ?? null,
        bytes: served && outcome === "served" ? served.body.length : firmwareBytes,
        ...(served?.device ? { seen: { firmware: served.identification.firmware } } : {}),
      });
    };
    if (!FILE_NAME.test(fileName)) {
      ctx.status = 404;
      ctx.body = "Not Found";
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
      const stale = nonceState === "stale";
      if (result.credentialsFailed || (params && nonceState === "invalid")) {
        await sleep(delayFor(failures.hit(address)));
      }
      ctx.status = 401;
      ctx.set("WWW-Authenticate", digest.challenge(address, stale));
      ctx.set("Cache-Control", "no-store");
      ctx.body = "Unauthorized";
      record("unauthorized", result);
      return;
    }
    if (result.outcome === "firmware") {
      const sent = await sendFirmware(ctx, result.image);
      record(sent.status < 300 ? "served" : sent.status === 404 ? "not_found" : "error", result, sent.bytes);
      return;
    }
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
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.use(async (ctx) => {
    // Reached only when no route matched; assigning a body alone would turn the 404 into a 200.
    ctx.status = 404;
    ctx.body = "Not Found";
  });
  return app;
}
