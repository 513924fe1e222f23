import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { Config } from "./config.ts";
import { createAdminApp } from "./http/admin/app.ts";
import { closeSilentConnections, ConnectionLimiter, listenerOptions, type ListenerTimeouts } from "./http/connection-limits.ts";
import { createPhoneApp } from "./http/phone-app.ts";
import { EnumerationGuard } from "./provisioning/enumeration-guard.ts";
import { createRuntime } from "./runtime.ts";
import type { ProvisionDeps } from "./provisioning/provision.ts";
import { sipSettingsFrom } from "./registrations/sip-settings.ts";
import { startTracker } from "./registrations/tracker.ts";
import { DEFAULT_FEED, startPbxFeed } from "./pbx/outbox.ts";
import { resumePendingNotifies } from "./registrations/pending-notify.ts";
import { resumeQueuedNotifies } from "./registrations/notify-outbox.ts";
import { startRetention, tenantAlert } from "./services/security-events.ts";
import { pinLimitsFrom } from "./hot-desk/pin-guard.ts";
import { startHotDeskSweep } from "./hot-desk/sweep.ts";
import { createHttpsListener, describePeer, type HttpsListener } from "./tls/https-listener.ts";
import type { TlsPaths } from "./tls/tls-material.ts";
import type { TftpServer } from "./tftp/server.ts";
import { startTftp } from "./tftp/start.ts";
import { createMailer } from "./portal/mailer.ts";
import { portalSettingsFrom } from "./portal/settings.ts";
import { ImportRunner } from "./onboarding/off-thread.ts";
import { LISTENERS, naming } from "./listen-errors.ts";
import { isLocalOnlyUrl, isLoopbackAddress } from "./provisioning/base-url.ts";

export interface RunningServer {
  readonly httpPort: number;
  /** Port of the HTTPS listener; null when `httpsPort` is not configured. */
  readonly httpsPort: number | null;
  readonly apiPort: number;
  /** Null when TFTP could not bind its port for lack of permission (EACCES). */
  readonly tftpPort: number | null;
  /** The server's dependencies (database, caches, templates), for embedding and tests. */
  readonly runtime: ProvisionDeps;
  close(): Promise<void>;
}

/** The server connection's busy_timeout: how long one attempt may block the event loop on another process's lock. */
const SERVER_BUSY_TIMEOUT_MS = 100;

function listen(app: { callback(): RequestListener }, host: string, port: number, timeouts: ListenerTimeouts, limiter?: ConnectionLimiter): Promise<Server> {
  return new Promise((resolve, reject) => {
    // Phones open a connection per file; keep idle ones short so a boot storm does not pile them up.
    const server = createServer(listenerOptions(timeouts), app.callback());
    limiter?.attach(server);
    closeSilentConnections(server, timeouts.headersTimeoutMs);
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}

function listenTls(server: Server, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}

/**
 * Starts the phone-facing listener (HTTP, and HTTPS when `httpsPort` is set: the same app), TFTP
 * and the admin API listener. All phone transports count failures in one enumeration guard.
 */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  // Short busy waits: they block the event loop; admin writes retry asynchronously (http/admin/busy-retry.ts).
  const runtime = createRuntime(config, logger, undefined, { busyTimeoutMs: SERVER_BUSY_TIMEOUT_MS });
  // The fetch-log thread loads while the listeners open, not at the first phone's fetch.
  runtime.recorder.start();
  let tls: HttpsListener | null = null;
  const guard = new EnumerationGuard(config, () => runtime.clock().getTime(), (tenantId, failures) => void tenantAlert(runtime, tenantId, failures));
  // What /readyz reports: each listener bound; TFTP only once it runs (left out when skipped).
  const bound = new Map<string, { listening: boolean }>();
  const listeners = () => Object.fromEntries([...bound].map(([name, s]) => [name, s.listening]));
  const phoneApp = createPhoneApp(runtime, {
    ...config,
    listeners,
    peerCertificate: (socket) => (tls ? describePeer(socket, tls.material()) : undefined),
    guard,
  });
  const servers: Server[] = [];
  const timeouts: ListenerTimeouts = {
    headersTimeoutMs: config.httpHeadersTimeoutMs,
    keepAliveTimeoutMs: config.httpKeepAliveTimeoutMs,
    requestTimeoutMs: config.httpRequestTimeoutMs,
  };
  // One count per source across HTTP and HTTPS.
  const limiter = new ConnectionLimiter(config.httpMaxConnectionsPerSource);
  let tftp: TftpServer | null = null;
  const closeAll = () => Promise.all(servers.map((s) => new Promise<void>((r) => { s.close(() => r()); s.closeAllConnections(); })));
  try {
    servers.push(await naming(listen(phoneApp, config.httpHost, config.httpPort, timeouts, limiter), LISTENERS.http, config.httpHost, config.httpPort));
    bound.set("http", servers[0]!);
    bound.set("api", { listening: false });
    if (config.httpsPort !== undefined) {
      tls = createHttpsListener(tlsPathsOf(config), phoneApp.callback(), logger, timeouts);
      limiter.attach(tls.server);
      closeSilentConnections(tls.server, timeouts.headersTimeoutMs);
      const host = config.httpsHost ?? config.httpHost;
      servers.push(await naming(listenTls(tls.server, host, config.httpsPort), LISTENERS.https, host, config.httpsPort));
      bound.set("https", tls.server);
    }
    const adminOptions = {
      bodyLimitBytes: config.apiBodyLimitBytes,
      importLimitBytes: config.importBodyLimitBytes,
      firmwareMaxBytes: config.firmwareMaxBytes,
      sip: sipSettingsFrom(config),
      listeners,
      metricsAllowedNetworks: config.metricsAllowedNetworks,
      dbLockTimeoutMs: config.dbLockTimeoutMs,
      hotDeskPins: pinLimitsFrom(config),
      // CSV imports parse, check and write in a worker thread: phones are served meanwhile.
      importMaxRows: config.importMaxRows,
      imports: new ImportRunner({ secretKeyFile: config.secretKeyFile, busyTimeoutMs: config.dbLockTimeoutMs, ...(config.kamailioDb ? { kamailioDb: config.kamailioDb } : {}) }),
    };
    const portal = { settings: portalSettingsFrom(config), mailer: createMailer(config), sip: adminOptions.sip, importLimitBytes: config.importBodyLimitBytes, importMaxRows: config.importMaxRows, imports: adminOptions.imports };
    servers.push(await naming(listen(createAdminApp(runtime, { ...adminOptions, portal }), config.apiHost, config.apiPort, timeouts), LISTENERS.api, config.apiHost, config.apiPort));
    bound.set("api", servers[servers.length - 1]!);
    // An ephemeral API port (0): emailed links name the port actually bound.
    if (portal.settings.portalUrl.endsWith(":0/")) {
      portal.settings.portalUrl = portal.settings.portalUrl.replace(/:0\/$/, `:${(servers.at(-1)!.address() as AddressInfo).port}/`);
    }
    tftp = await startTftp(config, runtime, logger, guard);
    if (tftp) bound.set("tftp", { listening: true });
  } catch (err) {
    tls?.close();
    await closeAll();
    await tftp?.close();
    runtime.close();
    throw err;
  }
  // Expires registrations and confirms or times out force-unregisters.
  const tracker = startTracker(runtime, config.registrationCheckMs);
  // NOTIFYs a previous process committed but never sent (killed in between) go out now.
  // What is left is read (and logged) before the server counts as started, as when it was read synchronously; the sends go on in the background.
  const [pending, queued] = await Promise.all([resumePendingNotifies(runtime, sipSettingsFrom(config)), resumeQueuedNotifies(runtime, sipSettingsFrom(config))]);
  void pending.done.catch((err) => logger.error({ err }, "resuming pending NOTIFYs failed"));
  void queued.done.catch((err) => logger.error({ err }, "resuming queued NOTIFYs failed"));
  const retention = startRetention(runtime, config.auditRetentionDays, logger, config.anonymousRetentionDays);
  // Sends the change feed's webhooks (docs/pbx.md); the admin's request only wrote the outbox.
  const feed = startPbxFeed(runtime, { ...DEFAULT_FEED, intervalMs: config.pbxFeedIntervalMs });
  // Hoteling: the tenants' automatic sign-out rules (docs/hot-desking.md).
  const hotDesk = startHotDeskSweep(runtime, sipSettingsFrom(config), pinLimitsFrom(config), config.hotDeskSweepMs);
  const portOf = (s: Server) => (s.address() as AddressInfo).port;
  const httpPort = portOf(servers[0]!);
  const httpsPort = tls ? portOf(tls.server) : null;
  const apiPort = portOf(servers[servers.length - 1]!);
  const tftpPort = tftp ? tftp.port : null;
  logger.info(
    {
      http: `${config.httpHost}:${httpPort}`,
      https: httpsPort,
      api: `${config.apiHost}:${apiPort}`,
      tftp: tftp ? `${config.tftpHost}:${tftpPort}` : null,
      dataDir: config.dataDir,
    },
    "phonehome listening",
  );
  warnAboutPublicUrl(config, logger);
  return {
    httpPort,
    httpsPort,
    apiPort,
    tftpPort,
    runtime,
    async close() {
      await Promise.all([tracker.stop(), retention.stop(), hotDesk.stop(), feed.stop()]);
      tls?.close();
      await closeAll();
      await tftp?.close();
      runtime.close();
    },
  };
}

function tlsPathsOf(config: Config): TlsPaths {
  return { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile, clientCaDir: config.clientCaDir, clientCrlDir: config.clientCrlDir };
}

/** Says at start-up which URL phones will be told (docs/phones.md#the-url-phones-are-told). */
function warnAboutPublicUrl(config: Config, logger: Logger): void {
  if (!config.publicUrlConfigured) {
    logger.info("publicUrl not set: each phone is told the URL it reached (its Host header); set --public-url behind a proxy or for TFTP-only phones");
  } else if (isLocalOnlyUrl(config.publicUrl) && !isLoopbackAddress(config.httpHost)) {
    logger.warn({ publicUrl: config.publicUrl }, "publicUrl is a loopback URL: phones on other hosts will not be served their files until --public-url names an address they can reach");
  }
}
