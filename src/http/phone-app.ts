import Router from "@koa/router";
import Koa from "koa";
import { randomUUID } from "node:crypto";
import type { RequestListener, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import type { ClientCertificate } from "../domain/provisioning-request.ts";
import type { ProvisionDeps } from "../provisioning/provision.ts";
import { EnumerationGuard, type EnumerationGuardOptions } from "../provisioning/enumeration-guard.ts";
import { DigestAuth } from "./digest.ts";
import { DigestHa1Cache } from "./digest-ha1.ts";
import { phoneEventRouter } from "./phone-events.ts";
import { phoneFileHandler, phoneFileTarget } from "./phone-files.ts";
import { sendText } from "./plain-response.ts";
import { healthMiddleware, type ListenerState } from "./health.ts";
import { nonceScopeFor } from "./nonce-counts-table.ts";

export interface PhoneAppOptions extends EnumerationGuardOptions {
  /** Listener states for GET /readyz (src/http/health.ts); without it only the database is checked. */
  readonly listeners?: ListenerState;
  readonly nonceTtlSeconds: number;
  /** The client certificate of a TLS connection (set by the HTTPS listener); undefined on plain HTTP. */
  readonly peerCertificate?: (socket: TLSSocket) => ClientCertificate | undefined;
  /** A tenant's devices see many bad credentials: a distributed attack (logged and audited). */
  readonly onTenantAlert?: (tenantId: number, failures: number) => void;
  /** The enumeration guard to count failures in; shared with TFTP by the server. Default: a new one. */
  readonly guard?: EnumerationGuard;
}

/** The phone-facing listener's request handler (what `http.createServer` and the HTTPS listener take). */
export interface PhoneApp {
  callback(): RequestListener;
}

const requestId = () => randomUUID().slice(0, 8);

/** A phone request that threw: logged, and answered 500 unless its answer had begun (then the connection is closed). */
function answerFailure(logger: ProvisionDeps["logger"], res: ServerResponse, err: unknown): void {
  logger.error({ rid: requestId(), err }, "phone request failed");
  if (!res.headersSent) sendText(res, 500, "Internal Server Error");
  else res.destroy();
}

/**
 * The phone-facing app: the vendors' boot files at the root, GET and HEAD only, answered by the
 * plain `node:http` handler of phone-files.ts (Digest, enumeration guard, the pipeline); health
 * (`/healthz`, `/readyz`), registration events and every other request by koa. Served over HTTP
 * and, by the HTTPS listener, over TLS: the same app.
 */
export function createPhoneApp(deps: ProvisionDeps, options: PhoneAppOptions): PhoneApp {
  const app = new Koa({ proxy: false });
  const digest = new DigestAuth(options.nonceTtlSeconds * 1000, () => deps.clock().getTime(), nonceScopeFor(deps.data, deps.secrets));
  const guard = options.guard ?? new EnumerationGuard(options, () => deps.clock().getTime(), options.onTenantAlert);
  const sweeper = setInterval(() => {
    digest.sweep()?.catch((err: unknown) => deps.logger.error({ err }, "forgetting old Digest nonces failed"));
  }, 60_000);
  sweeper.unref();
  const servePhoneFile = phoneFileHandler(deps, { digest, guard, ha1: new DigestHa1Cache(deps.secrets), peerCertificate: options.peerCertificate });
  const logger = deps.logger;

  /** The duration metric and the access log of both paths; a request id only when the line is written. */
  const finished = (method: string, rawPath: string, status: number, started: number, tls: boolean) => {
    const ms = performance.now() - started;
    deps.metrics?.fetchSeconds.observe({ transport: tls ? "https" : "http" }, ms / 1000);
    if (!logger.isLevelEnabled("info")) return;
    // Event URLs carry the device's secret in the path: never log it.
    const path = rawPath.slice(0, 160).replace(/^\/events\/([^/]*)\/[^/]*/, "/events/$1/***");
    logger.info({ rid: requestId(), method, path, status, ms: Math.round(ms) }, "phone fetch");
  };

  app.use(async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } catch (err) {
      logger.error({ rid: requestId(), err }, "phone request failed");
      ctx.status = 500;
      ctx.body = "Internal Server Error";
    }
    finished(ctx.method, ctx.path, ctx.status, started, (ctx.socket as TLSSocket).encrypted === true);
  });
  // strict: `/y000000000096.cfg/` is no file name; without it the router served it as the file.
  const router = new Router({ strict: true });
  // Every name that passes checkFileName went to the plain handler: what reaches this route is none.
  router.get("/:file", (ctx) => {
    ctx.status = 404;
    ctx.body = "Not Found";
  });
  const events = phoneEventRouter(deps);
  app.use(healthMiddleware(deps, options.listeners ?? (() => ({}))));
  app.use(events.routes());
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.use(async (ctx) => {
    // Reached only when no route matched; assigning a body alone would turn the 404 into a 200.
    ctx.status = 404;
    ctx.body = "Not Found";
  });
  const koa = app.callback();

  const listener: RequestListener = (req, res) => {
    const target = phoneFileTarget(req);
    if (!target) {
      void koa(req, res);
      return;
    }
    const started = performance.now();
    const tls = (req.socket as TLSSocket).encrypted === true;
    let pending: Promise<void> | void;
    try {
      pending = servePhoneFile(req, res, target);
    } catch (err) {
      answerFailure(logger, res, err);
      finished(req.method!, target.path, 500, started, tls);
      return;
    }
    // Answered from memory: done in the call above (no closure, no promise). A delayed 401 or a firmware stream finishes later.
    if (!pending) finished(req.method!, target.path, res.statusCode, started, tls);
    else
      pending.then(
        () => finished(req.method!, target.path, res.statusCode, started, tls),
        (err: unknown) => {
          answerFailure(logger, res, err);
          finished(req.method!, target.path, 500, started, tls);
        },
      );
  };
  return { callback: () => listener };
}
