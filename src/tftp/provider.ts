import type { ProvisioningRequest } from "../domain/provisioning-request.ts";
import type { FetchOutcome } from "../provisioning/fetch-recorder.ts";
import { inNetworks } from "../provisioning/network-rules.ts";
import { provision, type ProvisionDeps, type ProvisionResult } from "../provisioning/provision.ts";
import type { TftpLookup, TftpReadRequest, TftpResolver } from "./server.ts";
import { bufferSource, fileSource, type Source } from "./source.ts";
import type { TransferEnd } from "./transfer.ts";

// The same names the HTTP side serves; nothing else (no `/`, `\`, `..`, NUL) is ever looked up.
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Clients differ: curl sends `file`, others `/file`. One leading slash is not part of the name. */
export function tftpFileName(requested: string): string | null {
  const name = requested.startsWith("/") ? requested.slice(1) : requested;
  return FILE_NAME.test(name) ? name : null;
}

/**
 * Connects the TFTP server to the provisioning pipeline. TFTP carries no credentials: the
 * transport's only proof is the source network, offered as `trusted_network` when the source lies
 * in `deviceNetworks` (the operator's list; empty = device files never go out over TFTP).
 * Every request is recorded in the fetch log like an HTTP one; a transfer at its end.
 */
export function tftpResolver(deps: ProvisionDeps, deviceNetworks: readonly string[]): TftpResolver {
  const record = (req: TftpReadRequest, fileName: string, outcome: FetchOutcome, result: ProvisionResult | null, bytes: number | null) => {
    const device = result?.outcome === "served" || result?.outcome === "unauthorized" ? result.device : null;
    const served = result?.outcome === "served" ? result : null;
    deps.recorder.record({
      at: deps.clock().getTime(),
      transport: "tftp",
      sourceIp: req.remoteAddress,
      fileName: fileName.slice(0, 128),
      mac: device?.mac ?? null,
      deviceId: device?.id ?? null,
      tenantId: device?.tenantId ?? null,
      userAgent: null,
      outcome,
      // HTTP-equivalent status, so one query covers both transports.
      status: outcome === "served" ? 200 : outcome === "unauthorized" ? 401 : outcome === "not_found" ? 404 : 500,
      authMethod: served?.authMethod ?? null,
      configHash: served?.hash ?? null,
      bytes,
      ...(served?.device && outcome === "served" ? { seen: { firmware: null } } : {}),
    });
  };

  return async (req): Promise<TftpLookup> => {
    const fileName = tftpFileName(req.fileName);
    if (!fileName) {
      record(req, req.fileName, "not_found", null, null);
      return { found: false };
    }
    const pr: ProvisioningRequest = { transport: "tftp", fileName, remoteAddress: req.remoteAddress };
    const trusted = inNetworks(req.remoteAddress, deviceNetworks);
    const result = provision(pr, deps, trusted ? { method: "trusted_network" } : null);
    // Unknown and unauthorised look the same to the client: "File not found".
    if (result.outcome === "not_found" || result.outcome === "unauthorized") {
      record(req, fileName, result.outcome, result, null);
      return { found: false };
    }
    if (result.outcome === "unreachable_url") {
      record(req, fileName, "error", null, null);
      return { found: false };
    }
    let source: Source;
    try {
      source = await openSource(result);
    } catch {
      record(req, fileName, "not_found", result, null);
      return { found: false };
    }
    return {
      found: true,
      source,
      finished: (end: TransferEnd) => record(req, fileName, end.ok ? "served" : "error", result, end.ok ? end.bytes : null),
    };
  };
}

function openSource(result: ProvisionResult): Promise<Source> {
  if (result.outcome === "served") return Promise.resolve(bufferSource(result.body));
  if (result.outcome === "firmware") {
    const { path } = result.image;
    return Promise.resolve().then(() => fileSource(path));
  }
  return Promise.reject(new Error("nothing to send"));
}
