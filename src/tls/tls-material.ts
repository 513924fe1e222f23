import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { SecureContextOptions } from "node:tls";
import { loadRevocations, splitCertificates, type RevocationSet } from "./crl.ts";

/** Where the HTTPS listener finds its certificate, its key, the client CAs and their CRLs. */
export interface TlsPaths {
  readonly certFile: string;
  readonly keyFile: string;
  /** Every `*.pem` / `*.crt` here is a CA trusted to issue phone client certificates. */
  readonly clientCaDir: string;
  /** Every `*.pem` / `*.crl` here is a CRL of one of those CAs. */
  readonly clientCrlDir: string;
}

export interface TlsMaterial {
  readonly context: SecureContextOptions;
  readonly clientCas: readonly string[];
  readonly revocations: RevocationSet;
  /** Modification times of every file read: a change means "reload". */
  readonly stamp: string;
}

function filesIn(dir: string, extensions: readonly string[]): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => extensions.some((e) => f.toLowerCase().endsWith(e)))
    .sort()
    .map((f) => join(dir, f));
}

function read(path: string, what: string): string {
  if (!existsSync(path)) throw new Error(`${what} ${path} does not exist (create it with \`phonehome certs init\`)`);
  return readFileSync(path, "utf8");
}

function stampOf(paths: readonly string[]): string {
  return paths.map((p) => `${p}:${existsSync(p) ? statSync(p).mtimeMs : 0}`).join("|");
}

/** Reads everything; throws with the path of the first file that is missing or unusable. */
export function loadTlsMaterial(paths: TlsPaths): TlsMaterial {
  const caFiles = filesIn(paths.clientCaDir, [".pem", ".crt"]);
  const crlFiles = filesIn(paths.clientCrlDir, [".pem", ".crl"]);
  const clientCas = caFiles.flatMap((f) => splitCertificates(readFileSync(f, "utf8")));
  let revocations: RevocationSet;
  try {
    revocations = loadRevocations(crlFiles.map((f) => readFileSync(f, "utf8")), clientCas);
  } catch (err) {
    throw new Error(`client CRLs in ${paths.clientCrlDir}: ${(err as Error).message}`);
  }
  return {
    context: {
      cert: read(paths.certFile, "TLS certificate"),
      key: read(paths.keyFile, "TLS key"),
      // Always set, even empty: without `ca` Node would verify client certificates against the
      // public web roots, and any web certificate would then count as verified.
      ca: clientCas,
      // TLS 1.0 and 1.1 are deprecated (RFC 8996); every phone this serves speaks TLS 1.2.
      minVersion: "TLSv1.2",
    },
    clientCas,
    revocations,
    stamp: tlsStamp(paths),
  };
}

export function tlsStamp(paths: TlsPaths): string {
  const dirs = [paths.clientCaDir, paths.clientCrlDir];
  return stampOf([paths.certFile, paths.keyFile, ...dirs, ...filesIn(paths.clientCaDir, [".pem", ".crt"]), ...filesIn(paths.clientCrlDir, [".pem", ".crl"])]);
}
