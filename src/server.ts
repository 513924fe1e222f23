import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { Config } from "./config.ts";
import { createAdminApp } from "./http/admin/app.ts";
import { createPhoneApp } from "./http/phone-app.ts";
import { createRuntime } from "./runtime.ts";
import { sipSettingsFrom } from "./registrations/sip-settings.ts";
import { startTracker } from "./registrations/tracker.ts";

export interface RunningServer {
  readonly httpPort: number;
  readonly apiPort: number;
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

/** Starts the phone-facing listener and the admin API listener. */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const runtime = createRuntime(config, logger);
  const phone = await listen(createPhoneApp(runtime, config), config.httpHost, config.httpPort);
  let api: Server;
  try {
    const adminOptions = {
      bodyLimitBytes: config.apiBodyLimitBytes,
      importLimitBytes: config.importBodyLimitBytes,
      sip: sipSettingsFrom(config),
    };
    api = await listen(createAdminApp(runtime, adminOptions), config.apiHost, config.apiPort);
  } catch (err) {
    phone.close();
    runtime.close();
    throw err;
  }
  // Expires registrations and confirms or times out force-unregisters.
  const tracker = startTracker(runtime, config.registrationCheckMs);
  const httpPort = (phone.address() as AddressInfo).port;
  const apiPort = (api.address() as AddressInfo).port;
  logger.info({ http: `${config.httpHost}:${httpPort}`, api: `${config.apiHost}:${apiPort}`, dataDir: config.dataDir }, "phonehome listening");
  return {
    httpPort,
    apiPort,
    async close() {
      tracker.stop();
      await Promise.all([phone, api].map((s) => new Promise<void>((r) => { s.close(() => r()); s.closeAllConnections(); })));
      runtime.close();
    },
  };
}
