import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// Every secret column holds ciphertext from src/secrets.ts (`*_enc`); timestamps are epoch milliseconds.

export const tenants = sqliteTable("tenants", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  /** Identifier in API paths; defaults to the SIP domain. */
  name: text("name").notNull().unique(),
  sipDomain: text("sip_domain").notNull(),
  sipServerHost: text("sip_server_host").notNull(),
  sipServerPort: integer("sip_server_port").notNull().default(5060),
  sipTransport: text("sip_transport", { enum: ["udp", "tcp", "tls"] }).notNull().default("udp"),
  outboundProxyHost: text("outbound_proxy_host"),
  outboundProxyPort: integer("outbound_proxy_port"),
  registerExpires: integer("register_expires").notNull().default(3600),
  timeZone: text("time_zone").notNull().default("UTC"),
  ntpServers: text("ntp_servers", { mode: "json" }).$type<string[]>().notNull().default(sql`'["pool.ntp.org"]'`),
  /** Base URL written into phones' configs; null = the server's `publicUrl`. */
  provisioningBaseUrl: text("provisioning_base_url"),
  resyncMinutes: integer("resync_minutes").notNull().default(1440),
  authMode: text("auth_mode", { enum: ["credentials", "network", "credentials_and_network", "credentials_or_network"] })
    .notNull()
    .default("credentials"),
  allowedNetworks: text("allowed_networks", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const extensions = sqliteTable(
  "extensions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    tenantId: integer("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    number: text("number").notNull(),
    displayName: text("display_name").notNull(),
    sipUser: text("sip_user").notNull(),
    authUser: text("auth_user").notNull(),
    sipPasswordEnc: text("sip_password_enc").notNull(),
    /** Null = the tenant's `voicemail` feature code. */
    voicemailNumber: text("voicemail_number"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("extensions_tenant_number").on(t.tenantId, t.number)],
);

export const devices = sqliteTable(
  "devices",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    mac: text("mac").notNull().unique(),
    vendor: text("vendor", { enum: ["yealink", "polycom", "grandstream"] }).notNull(),
    model: text("model").notNull(),
    tenantId: integer("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "restrict" }),
    label: text("label"),
    provUsername: text("prov_username").notNull(),
    provPasswordEnc: text("prov_password_enc").notNull(),
    adminPasswordEnc: text("admin_password_enc").notNull(),
    lastSeenAt: integer("last_seen_at"),
    lastIp: text("last_ip"),
    lastUserAgent: text("last_user_agent"),
    lastFirmware: text("last_firmware"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("devices_tenant").on(t.tenantId), check("devices_mac_form", sql`length(${t.mac}) = 12`)],
);

export const deviceLines = sqliteTable(
  "device_lines",
  {
    deviceId: integer("device_id")
      .notNull()
      .references(() => devices.id, { onDelete: "cascade" }),
    lineIndex: integer("line_index").notNull(),
    extensionId: integer("extension_id")
      .notNull()
      .references(() => extensions.id, { onDelete: "restrict" }),
  },
  (t) => [primaryKey({ columns: [t.deviceId, t.lineIndex] }), index("device_lines_extension").on(t.extensionId)],
);

export const deviceKeys = sqliteTable(
  "device_keys",
  {
    deviceId: integer("device_id")
      .notNull()
      .references(() => devices.id, { onDelete: "cascade" }),
    keyIndex: integer("key_index").notNull(),
    kind: text("kind", { enum: ["line", "blf", "speed_dial", "park", "feature"] }).notNull(),
    label: text("label"),
    /** Account the key uses (1-based line index of the device). */
    lineIndex: integer("line_index").notNull().default(1),
    /** BLF: the monitored extension (same tenant). */
    targetExtensionId: integer("target_extension_id").references(() => extensions.id, { onDelete: "restrict" }),
    /** speed_dial: number; park: park code or orbit; feature: feature-code name. */
    value: text("value"),
  },
  (t) => [primaryKey({ columns: [t.deviceId, t.keyIndex] }), index("device_keys_target").on(t.targetExtensionId)],
);

export const featureCodes = sqliteTable(
  "feature_codes",
  {
    tenantId: integer("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    code: text("code").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.name] })],
);

export const discoveredDevices = sqliteTable("discovered_devices", {
  mac: text("mac").primaryKey(),
  vendor: text("vendor"),
  model: text("model"),
  firmware: text("firmware"),
  userAgent: text("user_agent"),
  lastFile: text("last_file").notNull(),
  sourceIp: text("source_ip").notNull(),
  transport: text("transport").notNull(),
  requestCount: integer("request_count").notNull().default(1),
  firstSeenAt: integer("first_seen_at").notNull(),
  lastSeenAt: integer("last_seen_at").notNull(),
  dismissedAt: integer("dismissed_at"),
});

export const fetchLog = sqliteTable(
  "fetch_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: integer("at").notNull(),
    transport: text("transport").notNull(),
    sourceIp: text("source_ip").notNull(),
    fileName: text("file_name").notNull(),
    mac: text("mac"),
    deviceId: integer("device_id"),
    tenantId: integer("tenant_id"),
    userAgent: text("user_agent"),
    /** served | not_modified | unauthorized | not_found | error */
    outcome: text("outcome").notNull(),
    status: integer("status").notNull(),
    /** digest | network | none */
    authMethod: text("auth_method"),
    /** SHA-256 of the body served (hex), when one was served. */
    configHash: text("config_hash"),
    bytes: integer("bytes"),
  },
  (t) => [index("fetch_log_mac_at").on(t.mac, t.at), index("fetch_log_at").on(t.at)],
);

export const apiTokens = sqliteTable("api_tokens", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull(),
  role: text("role", { enum: ["admin", "technician", "readonly"] }).notNull(),
  /** SHA-256 (hex) of the token; the token itself is shown once. */
  tokenHash: text("token_hash").notNull().unique(),
  createdAt: integer("created_at").notNull(),
  lastUsedAt: integer("last_used_at"),
  revokedAt: integer("revoked_at"),
});

/**
 * Audit trail of admin changes, actions on phones and security events. One row an event; `before`
 * and `after` are JSON with secrets masked (see src/services/audit.ts).
 */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: integer("at").notNull(),
    /** Who: `token:<name>` for the admin API, `cli`, `system`, `phone:<mac>`, `registrar:<name>`. */
    actor: text("actor").notNull(),
    /** What happened, dotted: `device.create`, `extension.reset_password`, `notify.sent`, ... */
    action: text("action").notNull(),
    /** The object: `device:805ec0000101`, `extension:demo.example/101`, `tenant:demo.example`. */
    target: text("target").notNull(),
    tenantId: integer("tenant_id"),
    mac: text("mac"),
    extension: text("extension"),
    before: text("before", { mode: "json" }),
    after: text("after", { mode: "json" }),
    outcome: text("outcome").notNull().default("ok"),
    detail: text("detail"),
  },
  (t) => [index("audit_log_at").on(t.at), index("audit_log_mac").on(t.mac), index("audit_log_actor").on(t.actor)],
);

// --- Firmware (issue 4) ------------------------------------------------------------------------

/**
 * Firmware catalogue. The image lives at `<firmwareDir>/<vendor>/<file_name>`; `file_name` is
 * generated by phonehome (`<version>-<original name>`, only `[A-Za-z0-9._-]`), never taken from a
 * request as a path, and is also the name phones fetch it by (HTTP and TFTP).
 */
export const firmwareImages = sqliteTable(
  "firmware_images",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    vendor: text("vendor", { enum: ["yealink", "polycom", "grandstream"] }).notNull(),
    version: text("version").notNull(),
    /** Model ids of the vendor's table this image is for. */
    models: text("models", { mode: "json" }).$type<string[]>().notNull(),
    /** The vendor's own file name, sanitised (Grandstream phones ask for it after a prefix). */
    originalName: text("original_name").notNull(),
    fileName: text("file_name").notNull().unique(),
    size: integer("size").notNull(),
    sha256: text("sha256").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("firmware_images_vendor_version").on(t.vendor, t.version)],
);

/** A tenant's target firmware per vendor model; device files then name that image. */
export const firmwarePins = sqliteTable(
  "firmware_pins",
  {
    tenantId: integer("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    vendor: text("vendor", { enum: ["yealink", "polycom", "grandstream"] }).notNull(),
    model: text("model").notNull(),
    firmwareId: integer("firmware_id")
      .notNull()
      .references(() => firmwareImages.id, { onDelete: "restrict" }),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.vendor, t.model] }), index("firmware_pins_image").on(t.firmwareId)],
);
