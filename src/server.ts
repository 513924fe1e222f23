import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { Config } from "./config.ts";
import { createAdminApp } from "./http/admin/app.ts";
import { createPhoneApp } from "./http/phone-app.ts";
import { createRuntime } from "./runtime.ts";
import type { TftpServer } from "./tftp/server.ts";
import { startTftp } from "./tftp/start.ts";

export interface RunningServer {
  readonly httpPort: number;
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

/** Starts the phone-facing listener and the admin API listener. */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const runtime = createRuntime(config, logger);
  const phone = await listen(createPhoneApp(runtime, config), config.httpHost, config.httpPort);
  let api: Server;
  try {
    api = await listen(createAdminApp(runtime, { bodyLimitBytes: config.apiBodyLimitBytes, firmwareMaxBytes: config.firmwareMaxBytes }), config.apiHost, config.apiPort);
  } catch (err) {
    phone.close();
    runtime.close();
    throw err;
  }
  let tftp: TftpServer | null;
  try {
    tftp = await startTftp(config, runtime, logger);
  } catch (err) {
    phone.close();
    api.close();
    runtime.close();
    throw err;
  }
  const httpPort = (phone.address() as AddressInfo).port;
  const apiPort = (api.address() as AddressInfo).port;
  const tftpPort = tftp ? tftp.port : null;
  logger.info(
    { http: `${config.httpHost}:${httpPort}`, api: `${config.apiHost}:${apiPort}`, tftp: tftp ? `${config.tftpHost}:${tftpPort}` : null, dataDir: config.dataDir },
    "phonehome listening",
  );
  return {
    httpPort,
    apiPort,
    tftpPort,
    async close() {
      await Promise.all([phone, api].map((s) => new Promise<void>((r) => { s.close(() => r()); s.closeAllConnections(); })));
      await tftp?.close();
      runtime.close();
    },
  };
}
