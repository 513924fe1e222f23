import type { Logger } from "pino";
import type { Config } from "../config.ts";
import type { EnumerationGuard } from "../provisioning/enumeration-guard.ts";
import type { ProvisionDeps } from "../provisioning/provision.ts";
import { describeListenFailure, listenError, LISTENERS } from "../listen-errors.ts";
import { tftpResolver } from "./provider.ts";
import { TftpServer, type TftpServerOptions } from "./server.ts";

function tftpOptions(config: Config): TftpServerOptions {
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
    unconfirmedRetries: config.tftpUnconfirmedRetries,
    maxUnconfirmedPerSource: config.tftpMaxUnconfirmedPerSource,
    maxUnconfirmed: config.tftpMaxUnconfirmed,
    allowedNetworks: config.tftpAllowedNetworks,
  };
}

/**
 * Starts the TFTP server next to HTTP. On its default port (69, not asked for by flag or
 * environment) a refusal to bind, for lack of permission (EACCES) or because another TFTP server
 * such as tftpd-hpa holds it (EADDRINUSE), is a warning: phonehome runs without TFTP rather than
 * not at all. A port the operator asked for, and any other failure, stops the start.
 */
export async function startTftp(config: Config, deps: ProvisionDeps, logger: Logger, guard: EnumerationGuard): Promise<TftpServer | null> {
  const server = new TftpServer(tftpOptions(config), tftpResolver(deps, config.tftpDeviceNetworks, guard), logger.child({ transport: "tftp" }));
  try {
    await server.listen();
    return server;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!config.tftpPortConfigured && (code === "EACCES" || code === "EADDRINUSE")) {
      logger.warn(
        { port: config.tftpPort, host: config.tftpHost, code },
        `TFTP disabled: ${describeListenFailure(err, LISTENERS.tftp, config.tftpHost, config.tftpPort)} HTTP runs without it.`,
      );
      return null;
    }
    throw listenError(err, LISTENERS.tftp, config.tftpHost, config.tftpPort);
  }
}
