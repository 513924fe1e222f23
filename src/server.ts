import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { Config } from "./config.ts";
import { createAdminApp } from "./http/admin/app.ts";
import { createPhoneApp } from "./http/phone-app.ts";
import { createRuntime } from "./runtime.ts";
import { sipSettingsFrom } from "./registrations/sip-settings.ts";
import { startTracker } from "./registrations/tracker.ts";
import { startRetention, tenantAlert } from "./services/security-events.ts";
import { createHttpsListener, describePeer, type HttpsListener } from "./tls/https-listener.ts";
import type { TlsPaths } from "./tls/tls-material.ts";
import type { TftpServer } from "./tftp/server.ts";
import { startTftp } from "./tftp/start.ts";
import { createMailer } from "./portal/mailer.ts";
import { portalSettingsFrom } from "./portal/settings.ts";

export interface RunningServer {
  readonly httpPort: number;
  /** Port of the HTTPS listener; null when `httpsPort` is not configured. */
  readonly httpsPort: number | null;
  readonly apiPort: number;
  /** Null when TFTP could not bind its port for lack of permission (EACCES). */
  readonly tftpPort: number | null;
  close(): Promise<void>;
}

function listen(app: { callback(): RequestListener }, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(app.callback());
    // Phones open a connection per file; keep idle ones short so a boot storm does not pile them up.
    server.keepAliveTimeout = 5_000;
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
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
 * Starts the phone-facing listener (HTTP, and HTTPS when `httpsPort` is set: the same app, so
 * both share the enumeration counters) and the admin API listener.
 */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const runtime = createRuntime(config, logger);
  let tls: HttpsListener | null = null;
  const phoneApp = createPhoneApp(runtime, {
    ...config,
    peerCertificate: (socket) => (tls ? describePeer(socket, tls.material()) : undefined),
    onTenantAlert: (tenantId, failures) => tenantAlert(runtime, tenantId, failures),
  });
  const servers: Server[] = [];
  let tftp: TftpServer | null = null;
  const closeAll = () => Promise.all(servers.map((s) => new Promise<void>((r) => { s.close(() => r()); s.closeAllConnections(); })));
  try {
    servers.push(await listen(phoneApp, config.httpHost, config.httpPort));
    if (config.httpsPort !== undefined) {
      tls = createHttpsListener(tlsPathsOf(config), phoneApp.callback(), logger);
      servers.push(await listenTls(tls.server, config.httpsHost ?? config.httpHost, config.httpsPort));
    }
    const adminOptions = {
      bodyLimitBytes: config.apiBodyLimitBytes,
      importLimitBytes: config.importBodyLimitBytes,
      firmwareMaxBytes: config.firmwareMaxBytes,
      sip: sipSettingsFrom(config),
    };
    const portal = { settings: portalSettingsFrom(config), mailer: createMailer(config), sip: adminOptions.sip, importLimitBytes: config.importBodyLimitBytes };
    servers.push(await listen(createAdminApp(runtime, { ...adminOptions, portal }), config.apiHost, config.apiPort));
    // An ephemeral API port (0): emailed links name the port actually bound.
    if (portal.settings.portalUrl.endsWith(":0/")) {
      portal.settings.portalUrl = portal.settings.portalUrl.replace(/:0\/$/, `:${(servers.at(-1)!.address() as AddressInfo).port}/`);
    }
    tftp = await startTftp(config, runtime, logger);
  } catch (err) {
    tls?.close();
    await closeAll();
    await tftp?.close();
    runtime.close();
    throw err;
  }
  // Expires registrations and confirms or times out force-unregisters.
  const tracker = startTracker(runtime, config.registrationCheckMs);
  const retention = startRetention(runtime, config.auditRetentionDays, logger);
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
  return {
    httpPort,
    httpsPort,
    apiPort,
    tftpPort,
    async close() {
      tracker.stop();
      retention.stop();
      tls?.close();
      await closeAll();
      await tftp?.close();
      runtime.close();
    },
  };
}

export function tlsPathsOf(config: Config): TlsPaths {
  return { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile, clientCaDir: config.clientCaDir, clientCrlDir: config.clientCrlDir };
}
