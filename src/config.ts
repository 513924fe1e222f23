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

/** Whether `url` is a postgres:// or postgresql:// URL with a host. */
export function isPostgresUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === "postgres:" || u.protocol === "postgresql:") && u.hostname !== "";
  } catch {
    return false;
  }
}
/** A PostgreSQL connection URL; anything else (a file path, mysql://, a typo) is refused. */
const postgresUrl = z.string().refine(isPostgresUrl, {
  message: "must be a PostgreSQL URL such as postgres://user:password@host:5432/phonehome (postgres:// or postgresql://); unset it to keep SQLite in the data directory",
});

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
  /** Bytes of rendered files kept in memory (render-cache.ts); 0 renders every fetch. */
  renderCacheMaxBytes: z.coerce.number().int().min(0).default(128 * 1024 * 1024),
  /** Largest CSV upload to POST /imports (streamed, never buffered whole). */
  importBodyLimitBytes: positiveInt.default(64 * 1024 * 1024),
  /** Most data rows one CSV import may hold; a longer file is refused before the rest is read. */
  importMaxRows: positiveInt.default(200_000),
  // Registrations, NOTIFY, force-unregister (issue 5).
  /** Local address NOTIFY sockets bind to. */
  sipBindHost: z.string().min(1).default("0.0.0.0"),
  /** Host written into Via/Contact of NOTIFYs; default: the local address the socket used. */
  sipAdvertisedHost: z.string().min(1).optional(),
  /** RFC 3261 T1 / T2 and Timer F (64*T1 by the RFC) in milliseconds. */
  sipT1Ms: positiveInt.default(500),
  sipT2Ms: positiveInt.default(4000),
  sipTimerFMs: positiveInt.default(32_000),
  /** Mass NOTIFYs: at most this many started per second, each delayed by a random 0..jitter ms. */
  notifyRatePerSecond: positiveInt.default(10),
  notifyJitterMs: z.coerce.number().int().min(0).max(60_000).default(500),
  /** A force-unregister not confirmed by every phone within this time becomes `timed-out`. */
  forceUnregisterTimeoutSeconds: positiveInt.default(900),
  /** How often expiries and pending force-unregisters are checked. */
  registrationCheckMs: positiveInt.default(1000),
  // --- security (issue 7): HTTPS, client certificates, enumeration defence, audit ---
  /** Port of the phone-facing HTTPS listener; unset = no HTTPS. */
  httpsPort: port.optional(),
  /** Bind address of the HTTPS listener; unset = httpHost. */
  httpsHost: z.string().min(1).optional(),
  /** Where `certs init` writes ca.crt, server.crt, server.key (and the CA key). */
  certsDir: z.string().min(1).optional(),
  /** Bring-your-own server certificate (PEM, chain included) and key; default <certsDir>/server.crt and .key. */
  tlsCertFile: z.string().min(1).optional(),
  tlsKeyFile: z.string().min(1).optional(),
  /** CAs trusted to issue phone client certificates (vendor roots, operator CAs); default <certsDir>/client-ca. */
  clientCaDir: z.string().min(1).optional(),
  /** CRLs of those CAs; default <certsDir>/client-crl. */
  clientCrlDir: z.string().min(1).optional(),
  /** Failures from one address (within authFailWindowSeconds) after which it gets 429 for authBlockSeconds. */
  authBlockThreshold: positiveInt.default(50),
  authBlockSeconds: positiveInt.default(900),
  /** Extra failures allowed per distinct device that authenticated from the address (phones behind one NAT). */
  authBlockAllowancePerDevice: z.coerce.number().int().min(0).default(10),
  /** A 401 challenge to a request without credentials counts as a failure once unanswered this long. */
  authChallengeGraceSeconds: positiveInt.default(10),
  /** Bad-credential failures against one tenant's devices (any address, within the window) before its failures are slowed down and an alert is logged. */
  tenantFailThreshold: positiveInt.default(200),
  /** EVP_BytesToKey digest of encrypted Grandstream configs: md5 (OpenSSL < 1.1, Grandstream's guide) or sha256. */
  configEncryptionDigest: z.enum(["md5", "sha256"]).default("md5"),
  /** Days audit and fetch-log rows are kept; 0 = forever. */
  auditRetentionDays: z.coerce.number().int().min(0).default(365),
  /** Days the counted rows of unauthenticated requests stay in fetch_log; 0 = as long as auditRetentionDays. */
  anonymousRetentionDays: z.coerce.number().int().min(0).default(7),
  /** Distinct fetch_log rows unauthenticated requests may add per minute; the rest of the minute is counted in one row. */
  anonymousFetchRowsPerMinute: positiveInt.default(500),
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
  /** Timeouts a TFTP request waits for its first ACK before its slot is freed. */
  tftpUnconfirmedRetries: z.coerce.number().int().min(0).max(20).default(1),
  /** Requests not yet acknowledged one source may hold; past it the oldest is dropped for a new one. */
  tftpMaxUnconfirmedPerSource: positiveInt.default(4),
  /** Requests not yet acknowledged all sources together may hold; past it the oldest is dropped for a new one. */
  tftpMaxUnconfirmed: positiveInt.default(100),
  // --- phone-facing listeners: connection limits and timeouts (issue 11) ---
  /** Open connections one source address may hold on the phone-facing HTTP(S) listeners; more are closed at once. */
  httpMaxConnectionsPerSource: positiveInt.default(1000),
  /** A connection that has not sent its request headers within this time is closed. */
  httpHeadersTimeoutMs: z.coerce.number().int().min(100).max(300_000).default(10_000),
  /** An idle keep-alive connection is closed after this time. */
  httpKeepAliveTimeoutMs: z.coerce.number().int().min(100).max(300_000).default(5_000),
  /** A request (headers and body) not received within this time is closed. */
  httpRequestTimeoutMs: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  firmwareDir: z.string().min(1).default("./firmware"),
  /** CIDRs that may scrape GET /metrics on the admin listener without a token. */
  metricsAllowedNetworks: cidrList.default([]),
  firmwareMaxBytes: positiveInt.default(512 * 1024 * 1024),
  /** Kamailio SQLite database whose `subscriber` table phonehome keeps current (docs/pbx.md); unset = none. */
  kamailioDb: z.string().min(1).optional(),
  /** How often the change feed looks for webhook deliveries that are due. */
  pbxFeedIntervalMs: z.coerce.number().int().min(10).max(60_000).default(250),
  // --- the portal (issue 14): sessions, sign-in limits, one-time links, SMTP ---
  /** A session unused this long is signed out. */
  portalIdleMinutes: positiveInt.default(30),
  /** A session ends this long after sign-in, used or not. */
  portalAbsoluteHours: positiveInt.default(12),
  /** Failed sign-ins (per address or per account, within portalLoginWindowMinutes) before each answer is slowed. */
  portalLoginSlowAfter: positiveInt.default(3),
  /** Failed sign-ins per account within the window after which it is refused until the window passes. */
  portalLoginMaxPerAccount: positiveInt.default(10),
  /** Failed sign-ins per source address within the window after which it is refused. */
  portalLoginMaxPerAddress: positiveInt.default(30),
  portalLoginWindowMinutes: positiveInt.default(15),
  /** Longest delay added to a slowed sign-in answer. */
  portalLoginMaxDelayMs: z.coerce.number().int().min(0).max(30_000).default(3000),
  // --- hot-desking (docs/hot-desking.md): wrong PINs per device and per extension, the sign-out sweep ---
  /** Wrong hot-desk PINs (per device or per extension, within hotDeskPinWindowMinutes) before each answer is slowed. */
  hotDeskPinSlowAfter: positiveInt.default(3),
  /** Wrong PINs at one device within the window after which its sign-ins are refused until the window passes. */
  hotDeskPinMaxPerDevice: positiveInt.default(10),
  /** Wrong PINs for one extension within the window after which its sign-ins are refused. */
  hotDeskPinMaxPerExtension: positiveInt.default(5),
  hotDeskPinWindowMinutes: positiveInt.default(15),
  /** Longest delay added to the answer of a slowed sign-in. */
  hotDeskPinMaxDelayMs: z.coerce.number().int().min(0).max(30_000).default(3000),
  /** How often the server applies the tenants' automatic sign-out rules. */
  hotDeskSweepMs: z.coerce.number().int().min(10).max(3_600_000).default(30_000),
  /** Lifetime of reset-password and welcome links. */
  portalLinkHours: positiveInt.default(24),
  /** Lifetime of a two-step sign-in code. */
  portalCodeMinutes: positiveInt.default(10),
  /** Base URL of the portal written into emailed links; default http://<apiHost>:<apiPort>/. */
  portalUrl: z.url().optional(),
  /** SMTP relay for sign-in codes and links; unset = no email can be sent (the page says so). */
  smtpHost: z.string().min(1).optional(),
  smtpPort: port.default(587),
  /** true: TLS from the first byte (port 465); false: STARTTLS when the server offers it. */
  smtpSecure: z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]).default(false),
  smtpUser: z.string().min(1).optional(),
  smtpPassword: z.string().min(1).optional(),
  smtpFrom: z.string().min(3).default("phonehome <phonehome@localhost>"),
  // --- hardening round 2 (issue 11) ---
  /** How long a write waits for another process's write lock (a CLI import) before it is refused: 503 in the API, exit 2 in the CLI. */
  dbLockTimeoutMs: z.coerce.number().int().min(0).max(600_000).default(5000),
  /** Discovery-inbox entries not seen for this many days are removed; 0 = never. */
  discoveryRetentionDays: z.coerce.number().int().min(0).default(30),
  /** Open (not dismissed) inbox entries one source network (/24 IPv4, /64 IPv6) may hold. */
  discoveryMaxPerNetwork: positiveInt.default(500),
  // --- PostgreSQL (docs/scale-out.md) ---
  /** PostgreSQL database of a multi-node site; unset = SQLite in the data directory. */
  databaseUrl: postgresUrl.optional(),
  /** Connections one process keeps open to PostgreSQL. */
  databasePoolSize: z.coerce.number().int().min(1).max(100).default(10),
  /** A connection to PostgreSQL not established within this time fails (pg waits forever by default). */
  databaseConnectTimeoutMs: z.coerce.number().int().min(100).max(600_000).default(5000),
  /** PostgreSQL statement_timeout of phonehome's sessions; 0 = none. */
  databaseStatementTimeoutMs: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
});

export type Config = Readonly<
  z.infer<typeof ConfigSchema> & {
    secretKeyFile: string;
    templatesDir: string;
    publicUrl: string;
    /** publicUrl was set by the operator; otherwise phones are told the URL their request used. */
    publicUrlConfigured: boolean;
    /** tftpPort was set by flag or environment: failing to bind it stops the start. */
    tftpPortConfigured: boolean;
    certsDir: string;
    tlsCertFile: string;
    tlsKeyFile: string;
    clientCaDir: string;
    clientCrlDir: string;
    portalUrl: string;
  }
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
  PHONEHOME_RENDER_CACHE_MAX_BYTES: "renderCacheMaxBytes",
  PHONEHOME_IMPORT_BODY_LIMIT: "importBodyLimitBytes",
  PHONEHOME_IMPORT_MAX_ROWS: "importMaxRows",
  PHONEHOME_SIP_BIND_HOST: "sipBindHost",
  PHONEHOME_SIP_ADVERTISED_HOST: "sipAdvertisedHost",
  PHONEHOME_SIP_T1_MS: "sipT1Ms",
  PHONEHOME_SIP_T2_MS: "sipT2Ms",
  PHONEHOME_SIP_TIMER_F_MS: "sipTimerFMs",
  PHONEHOME_NOTIFY_RATE: "notifyRatePerSecond",
  PHONEHOME_NOTIFY_JITTER_MS: "notifyJitterMs",
  PHONEHOME_FORCE_UNREGISTER_TIMEOUT: "forceUnregisterTimeoutSeconds",
  PHONEHOME_REGISTRATION_CHECK_MS: "registrationCheckMs",
  PHONEHOME_HTTPS_PORT: "httpsPort",
  PHONEHOME_HTTPS_HOST: "httpsHost",
  PHONEHOME_CERTS_DIR: "certsDir",
  PHONEHOME_TLS_CERT_FILE: "tlsCertFile",
  PHONEHOME_TLS_KEY_FILE: "tlsKeyFile",
  PHONEHOME_CLIENT_CA_DIR: "clientCaDir",
  PHONEHOME_CLIENT_CRL_DIR: "clientCrlDir",
  PHONEHOME_AUTH_BLOCK_THRESHOLD: "authBlockThreshold",
  PHONEHOME_AUTH_BLOCK_SECONDS: "authBlockSeconds",
  PHONEHOME_AUTH_BLOCK_ALLOWANCE: "authBlockAllowancePerDevice",
  PHONEHOME_TENANT_FAIL_THRESHOLD: "tenantFailThreshold",
  PHONEHOME_AUTH_CHALLENGE_GRACE: "authChallengeGraceSeconds",
  PHONEHOME_AUDIT_RETENTION_DAYS: "auditRetentionDays",
  PHONEHOME_ANONYMOUS_RETENTION_DAYS: "anonymousRetentionDays",
  PHONEHOME_ANONYMOUS_ROWS_PER_MINUTE: "anonymousFetchRowsPerMinute",
  PHONEHOME_CONFIG_ENCRYPTION_DIGEST: "configEncryptionDigest",
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
  PHONEHOME_TFTP_UNCONFIRMED_RETRIES: "tftpUnconfirmedRetries",
  PHONEHOME_TFTP_MAX_UNCONFIRMED_PER_SOURCE: "tftpMaxUnconfirmedPerSource",
  PHONEHOME_TFTP_MAX_UNCONFIRMED: "tftpMaxUnconfirmed",
  PHONEHOME_HTTP_MAX_CONNECTIONS_PER_SOURCE: "httpMaxConnectionsPerSource",
  PHONEHOME_HTTP_HEADERS_TIMEOUT_MS: "httpHeadersTimeoutMs",
  PHONEHOME_HTTP_KEEPALIVE_TIMEOUT_MS: "httpKeepAliveTimeoutMs",
  PHONEHOME_HTTP_REQUEST_TIMEOUT_MS: "httpRequestTimeoutMs",
  PHONEHOME_FIRMWARE_DIR: "firmwareDir",
  PHONEHOME_METRICS_NETWORKS: "metricsAllowedNetworks",
  PHONEHOME_FIRMWARE_MAX_BYTES: "firmwareMaxBytes",
  PHONEHOME_KAMAILIO_DB: "kamailioDb",
  PHONEHOME_PBX_FEED_INTERVAL_MS: "pbxFeedIntervalMs",
  PHONEHOME_PORTAL_IDLE_MINUTES: "portalIdleMinutes",
  PHONEHOME_PORTAL_ABSOLUTE_HOURS: "portalAbsoluteHours",
  PHONEHOME_PORTAL_LOGIN_SLOW_AFTER: "portalLoginSlowAfter",
  PHONEHOME_PORTAL_LOGIN_MAX_PER_ACCOUNT: "portalLoginMaxPerAccount",
  PHONEHOME_PORTAL_LOGIN_MAX_PER_ADDRESS: "portalLoginMaxPerAddress",
  PHONEHOME_PORTAL_LOGIN_WINDOW_MINUTES: "portalLoginWindowMinutes",
  PHONEHOME_PORTAL_LOGIN_MAX_DELAY_MS: "portalLoginMaxDelayMs",
  PHONEHOME_PORTAL_LINK_HOURS: "portalLinkHours",
  PHONEHOME_HOT_DESK_PIN_SLOW_AFTER: "hotDeskPinSlowAfter",
  PHONEHOME_HOT_DESK_PIN_MAX_PER_DEVICE: "hotDeskPinMaxPerDevice",
  PHONEHOME_HOT_DESK_PIN_MAX_PER_EXTENSION: "hotDeskPinMaxPerExtension",
  PHONEHOME_HOT_DESK_PIN_WINDOW_MINUTES: "hotDeskPinWindowMinutes",
  PHONEHOME_HOT_DESK_PIN_MAX_DELAY_MS: "hotDeskPinMaxDelayMs",
  PHONEHOME_HOT_DESK_SWEEP_MS: "hotDeskSweepMs",
  PHONEHOME_PORTAL_CODE_MINUTES: "portalCodeMinutes",
  PHONEHOME_PORTAL_URL: "portalUrl",
  PHONEHOME_SMTP_HOST: "smtpHost",
  PHONEHOME_SMTP_PORT: "smtpPort",
  PHONEHOME_SMTP_SECURE: "smtpSecure",
  PHONEHOME_SMTP_USER: "smtpUser",
  PHONEHOME_SMTP_PASSWORD: "smtpPassword",
  PHONEHOME_SMTP_FROM: "smtpFrom",
  PHONEHOME_DB_LOCK_TIMEOUT_MS: "dbLockTimeoutMs",
  PHONEHOME_DISCOVERY_RETENTION_DAYS: "discoveryRetentionDays",
  PHONEHOME_DISCOVERY_MAX_PER_NETWORK: "discoveryMaxPerNetwork",
  PHONEHOME_DATABASE_URL: "databaseUrl",
  PHONEHOME_DATABASE_POOL_SIZE: "databasePoolSize",
  PHONEHOME_DATABASE_CONNECT_TIMEOUT_MS: "databaseConnectTimeoutMs",
  PHONEHOME_DATABASE_STATEMENT_TIMEOUT_MS: "databaseStatementTimeoutMs",
};


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
  const certsDir = resolve(c.certsDir ?? `${dataDir}/certs`);
  return Object.freeze({
    ...c,
    certsDir,
    tlsCertFile: resolve(c.tlsCertFile ?? `${certsDir}/server.crt`),
    tlsKeyFile: resolve(c.tlsKeyFile ?? `${certsDir}/server.key`),
    clientCaDir: resolve(c.clientCaDir ?? `${certsDir}/client-ca`),
    clientCrlDir: resolve(c.clientCrlDir ?? `${certsDir}/client-crl`),
    dataDir,
    firmwareDir: resolve(c.firmwareDir),
    ...(c.kamailioDb ? { kamailioDb: resolve(c.kamailioDb) } : {}),
    secretKeyFile: resolve(c.secretKeyFile ?? `${dataDir}/secret.key`),
    templatesDir: resolve(c.templatesDir ?? `${dataDir}/templates`),
    publicUrl: withTrailingSlash(c.publicUrl ?? `http://${advertisedHost}:${c.httpPort}/`),
    portalUrl: withTrailingSlash(c.portalUrl ?? `http://${c.apiHost === "0.0.0.0" || c.apiHost === "::" ? "localhost" : c.apiHost}:${c.apiPort}/`),
    publicUrlConfigured: c.publicUrl !== undefined,
    tftpPortConfigured: raw.tftpPort !== undefined,
  });
}

export function withTrailingSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}
