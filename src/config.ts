import { resolve } from "node:path";
import { z } from "zod";
import { parseCidr } from "./domain/validation.ts";

/**
 * Server configuration: defaults, then environment variables, then command-line overrides.
 * The only module that reads `process.env`. Every key is documented in docs/configuration.md.
 */
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
/** A comma-separated list (environment) or an array of CIDRs; every entry must parse. */
const cidrList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim()).filter((s) => s.length > 0))
  .refine((list) => list.every((c) => parseCidr(c) !== null), { message: "every entry must be a CIDR such as 10.0.0.0/8" });

const ConfigSchema = z.object({
  dataDir: z.string().min(1).default("./data"),
  httpHost: z.string().min(1).default("0.0.0.0"),
  httpPort: port.default(8080),
  apiHost: z.string().min(1).default("127.0.0.1"),
  apiPort: port.default(8081),
  /** URL phones are told to fetch from when a tenant sets none. */
  publicUrl: z.url().optional(),
  secretKeyFile: z.string().min(1).optional(),
  templatesDir: z.string().min(1).optional(),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  apiBodyLimitBytes: positiveInt.default(1_048_576),
  nonceTtlSeconds: positiveInt.default(300),
  /** Failed phone authentications from one address before responses are delayed. */
  authFailThreshold: positiveInt.default(5),
  authFailWindowSeconds: positiveInt.default(300),
  authFailMaxDelayMs: z.coerce.number().int().min(0).max(30_000).default(2000),
  discoveryMaxEntries: positiveInt.default(10_000),
  fetchLogFlushMs: positiveInt.default(200),
  // --- TFTP and firmware (issue 4) ---
  tftpHost: z.string().min(1).default("0.0.0.0"),
  /** 69 by default; when binding it is not permitted (EACCES) the server runs without TFTP. */
  tftpPort: port.default(69),
  /** CIDRs that may use TFTP at all (common files and firmware); others get no answer. */
  tftpAllowedNetworks: cidrList.default(["0.0.0.0/0", "::/0"]),
  /** CIDRs that may fetch device files (they hold SIP credentials) over TFTP; empty = never. */
  tftpDeviceNetworks: cidrList.default([]),
  tftpMaxBlksize: z.coerce.number().int().min(512).max(65464).default(1468),
  tftpMaxWindowsize: z.coerce.number().int().min(1).max(65535).default(64),
  tftpTimeoutMs: z.coerce.number().int().min(100).max(255_000).default(1000),
  tftpMaxTimeoutMs: z.coerce.number().int().min(100).max(255_000).default(8000),
  tftpMaxRetries: z.coerce.number().int().min(1).max(20).default(5),
  tftpTransferLifetimeSeconds: positiveInt.default(600),
  tftpMaxTransfers: positiveInt.default(500),
  tftpMaxTransfersPerSource: positiveInt.default(8),
  firmwareDir: z.string().min(1).default("./firmware"),
  firmwareMaxBytes: positiveInt.default(512 * 1024 * 1024),
});

export type Config = Readonly<
  z.infer<typeof ConfigSchema> & { secretKeyFile: string; templatesDir: string; publicUrl: string }
>;

const ENV_KEYS: Readonly<Record<string, keyof z.input<typeof ConfigSchema>>> = {
  PHONEHOME_DATA_DIR: "dataDir",
  PHONEHOME_HTTP_HOST: "httpHost",
  PHONEHOME_HTTP_PORT: "httpPort",
  PHONEHOME_API_HOST: "apiHost",
  PHONEHOME_API_PORT: "apiPort",
  PHONEHOME_PUBLIC_URL: "publicUrl",
  PHONEHOME_SECRET_KEY_FILE: "secretKeyFile",
  PHONEHOME_TEMPLATES_DIR: "templatesDir",
  PHONEHOME_LOG_LEVEL: "logLevel",
  PHONEHOME_API_BODY_LIMIT: "apiBodyLimitBytes",
  PHONEHOME_NONCE_TTL: "nonceTtlSeconds",
  PHONEHOME_AUTH_FAIL_THRESHOLD: "authFailThreshold",
  PHONEHOME_AUTH_FAIL_WINDOW: "authFailWindowSeconds",
  PHONEHOME_AUTH_FAIL_MAX_DELAY_MS: "authFailMaxDelayMs",
  PHONEHOME_DISCOVERY_MAX: "discoveryMaxEntries",
  PHONEHOME_FETCH_LOG_FLUSH_MS: "fetchLogFlushMs",
  PHONEHOME_TFTP_HOST: "tftpHost",
  PHONEHOME_TFTP_PORT: "tftpPort",
  PHONEHOME_TFTP_ALLOWED_NETWORKS: "tftpAllowedNetworks",
  PHONEHOME_TFTP_DEVICE_NETWORKS: "tftpDeviceNetworks",
  PHONEHOME_TFTP_MAX_BLKSIZE: "tftpMaxBlksize",
  PHONEHOME_TFTP_MAX_WINDOWSIZE: "tftpMaxWindowsize",
  PHONEHOME_TFTP_TIMEOUT_MS: "tftpTimeoutMs",
  PHONEHOME_TFTP_MAX_TIMEOUT_MS: "tftpMaxTimeoutMs",
  PHONEHOME_TFTP_MAX_RETRIES: "tftpMaxRetries",
  PHONEHOME_TFTP_LIFETIME: "tftpTransferLifetimeSeconds",
  PHONEHOME_TFTP_MAX_TRANSFERS: "tftpMaxTransfers",
  PHONEHOME_TFTP_MAX_PER_SOURCE: "tftpMaxTransfersPerSource",
  PHONEHOME_FIRMWARE_DIR: "firmwareDir",
  PHONEHOME_FIRMWARE_MAX_BYTES: "firmwareMaxBytes",
};

export const CONFIG_ENV_KEYS = Object.keys(ENV_KEYS);

export class ConfigError extends Error {}

/** Builds the frozen config; throws ConfigError listing every problem. */
export function loadConfig(
  overrides: Partial<Record<keyof z.input<typeof ConfigSchema>, unknown>> = {},
  env: NodeJS.ProcessEnv = process.env,
): Config {
  const raw: Record<string, unknown> = {};
  for (const [envKey, key] of Object.entries(ENV_KEYS)) {
    const v = env[envKey];
    if (v !== undefined && v !== "") raw[key] = v;
  }
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) raw[k] = v;
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const key = String(i.path[0] ?? "");
      const envName = Object.entries(ENV_KEYS).find(([, k]) => k === key)?.[0];
      return `${key}${envName ? ` (${envName})` : ""}: ${i.message}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${lines.join("\n  ")}`);
  }
  const c = parsed.data;
  const dataDir = resolve(c.dataDir);
  const advertisedHost = c.httpHost === "0.0.0.0" || c.httpHost === "::" ? "localhost" : c.httpHost;
  return Object.freeze({
    ...c,
    dataDir,
    firmwareDir: resolve(c.firmwareDir),
    secretKeyFile: resolve(c.secretKeyFile ?? `${dataDir}/secret.key`),
    templatesDir: resolve(c.templatesDir ?? `${dataDir}/templates`),
    publicUrl: withTrailingSlash(c.publicUrl ?? `http://${advertisedHost}:${c.httpPort}/`),
  });
}

export function withTrailingSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}
