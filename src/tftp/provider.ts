import type { ProvisioningRequest } from "../domain/provisioning-request.ts";
import { checkFileName, fetchRecord } from "../provisioning/deliver.ts";
import type { EnumerationGuard } from "../provisioning/enumeration-guard.ts";
import type { FetchOutcome } from "../provisioning/fetch-recorder.ts";
import { countFetch } from "../metrics/metrics.ts";
import { inNetworks } from "../provisioning/network-rules.ts";
import { provision, type ProvisionDeps, type ProvisionResult } from "../provisioning/provision.ts";
import type { TftpLookup, TftpResolver } from "./server.ts";
import { ImageCache } from "./image-cache.ts";
import { bufferSource, type Source } from "./source.ts";
import type { TransferEnd } from "./transfer.ts";

/**
 * Clients differ: curl sends `file`, others `/file`. One leading slash is not part of the name;
 * past it, the name must pass the file-name check of every transport (deliver.ts): no `/`, `\`,
 * `..` or NUL ever reaches a lookup.
 */
export function tftpFileName(requested: string): string | null {
  return checkFileName(requested.startsWith("/") ? requested.slice(1) : requested);
}

// HTTP-equivalent status, so one query covers both transports.
const STATUS: Readonly<Record<FetchOutcome, number>> = { served: 200, not_modified: 304, unauthorized: 401, not_found: 404, rate_limited: 429, error: 500 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Connects the TFTP server to the provisioning pipeline. TFTP carries no credentials: the
 * transport's only proof is the source network, offered as `trusted_network` when the source lies
 * in `deviceNetworks` (the operator's list; empty = device files never go out over TFTP).
 * Every request is recorded in the fetch log like an HTTP one (deliver.ts `fetchRecord`), a
 * transfer at its end. Refused device files count in the same enumeration guard as HTTP's: there
 * is no challenge to answer over TFTP, so each counts as a failure at once, slows that source's
 * answers, blocks it past the threshold and raises the tenant alert.
 */
export function tftpResolver(deps: ProvisionDeps, deviceNetworks: readonly string[], guard: EnumerationGuard, images = new ImageCache()): TftpResolver {
  return async (tftpReq): Promise<TftpLookup> => {
    const fileName = tftpFileName(tftpReq.fileName);
    const req: ProvisioningRequest = { transport: "tftp", fileName: fileName ?? tftpReq.fileName, remoteAddress: tftpReq.remoteAddress };
    const record = (outcome: FetchOutcome, result: ProvisionResult | null, bytes: number | null = null) => {
      countFetch(deps.metrics, "tftp", outcome, result);
      deps.recorder.record(fetchRecord({ at: deps.clock().getTime(), req, outcome, status: STATUS[outcome], result, bytes }));
    };
    if (!fileName) {
      record("not_found", null);
      return { found: false };
    }
    if (guard.retryAfter(req.remoteAddress) > 0) {
      // Blocked before any work, as over HTTP; the client sees "File not found".
      record("rate_limited", null);
      return { found: false };
    }
    const trusted = inNetworks(req.remoteAddress, deviceNetworks);
    const result = await provision(req, deps, trusted ? { method: "trusted_network" } : null);
    if (result.outcome === "unauthorized") {
      const device = result.device ? { id: result.device.id, tenantId: result.device.tenantId } : null;
      deps.metrics?.authFailures.inc({ kind: "failed" });
      await sleep(guard.failure(req.remoteAddress, "failed", fileName, device));
      record("unauthorized", result);
      // Unknown and unauthorised look the same to the client: "File not found".
      return { found: false };
    }
    if (result.outcome === "unreachable_url") {
      deps.metrics?.unreachableUrl.inc({ transport: "tftp" });
      record("error", null);
      return { found: false };
    }
    if (result.outcome === "not_found") {
      record("not_found", result);
      return { found: false };
    }
    if (result.outcome === "served" && result.device) guard.success(req.remoteAddress, fileName, result.device.id);
    let source: Source;
    try {
      source = await openSource(result, images);
    } catch {
      record("not_found", result);
      return { found: false };
    }
    return {
      found: true,
      source,
      finished: (end: TransferEnd) => {
        deps.metrics?.tftpTransfers.inc({ outcome: end.ok ? "ok" : "failed" });
        record(end.ok ? "served" : "error", result, end.ok ? end.bytes : null);
      },
    };
  };
}

function openSource(result: ProvisionResult, images: ImageCache): Promise<Source> {
  if (result.outcome === "served") return Promise.resolve(bufferSource(result.body));
  if (result.outcome === "firmware") {
    const { path } = result.image;
    return Promise.resolve().then(() => images.open(path));
  }
  return Promise.reject(new Error("nothing to send"));
}
