import type { Logger } from "pino";
import type { Config } from "../config.ts";
import type { EnumerationGuard } from "../provisioning/enumeration-guard.ts";
import type { ProvisionDeps } from "../provisioning/provision.ts";
import { tftpResolver } from "./provider.ts";
import { TftpServer, type TftpServerOptions } from "./server.ts";

export function tftpOptions(config: Config): TftpServerOptions {
  return {
    host: config.tftpHost,
    port: config.tftpPort,
    maxBlksize: config.tftpMaxBlksize,
    maxWindowsize: config.tftpMaxWindowsize,
    timeoutMs: config.tftpTimeoutMs,
    maxTimeoutMs: Math.max(config.tftpMaxTimeoutMs, config.tftpTimeoutMs),
    maxRetries: config.tftpMaxRetries,
    lifetimeMs: config.tftpTransferLifetimeSeconds * 1000,
    maxTransfers: config.tftpMaxTransfers,
    maxTransfersPerSource: config.tftpMaxTransfersPerSource,
    allowedNetworks: config.tftpAllowedNetworks,
  };
}

/**
 * Starts the TFTP server next to HTTP. Port 69 needs privileges: when binding is refused with
 * EACCES, phonehome logs a warning and runs without TFTP rather than not at all. Any other
 * failure (address in use, bad address) stops the start, as for HTTP.
 */
export async function startTftp(config: Config, deps: ProvisionDeps, logger: Logger, guard: EnumerationGuard): Promise<TftpServer | null> {
  const server = new TftpServer(tftpOptions(config), tftpResolver(deps, config.tftpDeviceNetworks, guard), logger.child({ transport: "tftp" }));
  try {
    await server.listen();
    return server;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EACCES") {
      logger.warn(
        { port: config.tftpPort, host: config.tftpHost },
        `TFTP disabled: no permission to bind ${config.tftpHost}:${config.tftpPort}; run with --tftp-port above 1023 or grant CAP_NET_BIND_SERVICE (docs/configuration.md)`,
      );
      return null;
    }
    throw err;
  }
}
