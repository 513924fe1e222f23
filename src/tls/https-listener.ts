import { createServer, type Server } from "node:https";
import type { Socket } from "node:net";
import type { RequestListener } from "node:http";
import type { DetailedPeerCertificate, TLSSocket } from "node:tls";
import type { Logger } from "pino";
import type { ClientCertificate } from "../domain/provisioning-request.ts";
import { listenerOptions, type ListenerTimeouts } from "../http/connection-limits.ts";
import { isRevoked, normalizeSerial } from "./crl.ts";
import { loadTlsMaterial, tlsStamp, type TlsMaterial, type TlsPaths } from "./tls-material.ts";

export interface HttpsListener {
  readonly server: Server;
  /** The certificate, client CAs and CRLs in use (replaced when the files change). */
  material(): TlsMaterial;
  close(): void;
}

/** Seconds between checks for a renewed certificate or changed client CAs / CRLs. */
const RELOAD_CHECK_MS = 30_000;

function flatten(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return value === undefined || value === null ? [] : [String(value)];
}

function describeName(name: Record<string, unknown> | undefined): string {
  return Object.entries(name ?? {})
    .flatMap(([k, v]) => flatten(v).map((x) => `${k}=${x}`))
    .join(", ");
}

/**
 * The certificate a phone presented, as the pipeline needs it: OpenSSL checked the chain against
 * the client CAs and the validity period; the revocation check is ours (see crl.ts).
 */
export function describePeer(socket: TLSSocket, material: TlsMaterial): ClientCertificate | undefined {
  const peer = socket.getPeerCertificate(true) as DetailedPeerCertificate;
  if (!peer || !peer.raw) return undefined;
  const serial = normalizeSerial(peer.serialNumber ?? "");
  const issuerFp = peer.issuerCertificate?.fingerprint256 ?? "";
  let failure: string | null = socket.authorized ? null : String(socket.authorizationError ?? "UNVERIFIED");
  if (!failure && isRevoked(material.revocations, issuerFp, serial)) failure = "CERT_REVOKED";
  const san = (peer.subjectaltname ?? "").split(/,\s*/).filter(Boolean).map((e) => e.replace(/^[A-Za-z ]+:/, ""));
  const subjectValues = Object.values(peer.subject ?? {}).flatMap(flatten);
  return {
    verified: failure === null,
    failure,
    subject: describeName(peer.subject as unknown as Record<string, unknown>),
    issuer: describeName(peer.issuer as unknown as Record<string, unknown>),
    serial,
    names: [...subjectValues, ...san],
  };
}

/**
 * Serves `handler` over TLS 1.2+ with phonehome's (or the operator's) certificate. Client
 * certificates are always requested and never required at the TLS level:
 * a phone without one still reaches the pipeline, whose tenant policy decides. A renewed
 * certificate or changed CA / CRL files are picked up without a restart.
 */
export function createHttpsListener(
  paths: TlsPaths,
  handler: RequestListener,
  logger: Logger,
  timeouts: ListenerTimeouts = { headersTimeoutMs: 10_000, keepAliveTimeoutMs: 5_000, requestTimeoutMs: 30_000 },
): HttpsListener {
  let material = loadTlsMaterial(paths);
  const options = (m: TlsMaterial) => ({ ...m.context, requestCert: true, rejectUnauthorized: false });
  // A connection that never completes its handshake is not yet HTTP, so the header timeout does not
  // see it; TLS's own handshake timeout (120 s by default) gets the same bound.
  const server = createServer({ ...options(material), ...listenerOptions(timeouts), handshakeTimeout: timeouts.headersTimeoutMs }, handler);
  // A failed handshake (old TLS version, garbage) is the client's problem; keep it out of the error path.
  server.on("tlsClientError", (err: Error, socket: Socket) => {
    logger.debug({ err: err.message, source: socket.remoteAddress }, "TLS handshake failed");
  });
  const timer = setInterval(() => {
    if (tlsStamp(paths) === material.stamp) return;
    try {
      material = loadTlsMaterial(paths);
      server.setSecureContext(options(material));
      logger.info({ cert: paths.certFile }, "TLS certificate, client CAs or CRLs reloaded");
    } catch (err) {
      logger.error({ err }, "reloading TLS material failed; keeping the previous one");
    }
  }, RELOAD_CHECK_MS);
  timer.unref();
  return {
    server,
    material: () => material,
    close: () => clearInterval(timer),
  };
}
