import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { VENDOR_IDS } from "../domain/phone-config.ts";
// The types of the JSON columns, from where each is defined (type-only: nothing here runs them).
import type { NumberingPlan } from "../domain/numbering-plan.ts";
import type { BaseProfile } from "../hot-desk/profile.ts";
import type { ChangePayload } from "../pbx/changes.ts";
import type { CallWaiting, Forwarding, Monitoring, NumberSettings, Profile } from "../services/extension-settings/schemas.ts";
import type { EndpointsJson, VoicemailJson } from "../services/extension-settings/store.ts";
import type { AuditSnapshot } from "./rows.ts";

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
  authMode: text("auth_mode", { enum: ["credentials", "network", "credentials_and_network", "credentials_or_network", "certificate", "credentials_or_certificate", "credentials_and_certificate"] })
    .notNull()
    .default("credentials"),
  allowedNetworks: text("allowed_networks", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
  /** Serve device files encrypted with a per-device key where the vendor supports it (issue 7). */
  configEncryption: integer("config_encryption", { mode: "boolean" }).notNull().default(false),
  /** A claim or import opens a bootstrap window for the phone (docs/onboarding.md#zero-touch-first-contact). */
  zeroTouch: integer("zero_touch", { mode: "boolean" }).notNull().default(true),
  zeroTouchWindowSeconds: integer("zero_touch_window_seconds").notNull().default(600),
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
    vendor: text("vendor", { enum: VENDOR_IDS }).notNull(),
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
    /** The base URL this device was last told (its request's Host, or the configured URL): preview and drift render with it. */
    lastBaseUrl: text("last_base_url"),
    // Expansion modules attached (issue 3 point 7); checked against the model's maximum by the services.
    expansionModules: integer("expansion_modules").notNull().default(0),
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
    kind: text("kind", { enum: ["line", "blf", "speed_dial", "park", "feature", "none"] }).notNull(),
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
    // Audit detail (issue 7): how the request was authenticated and what it received.
    /** Digest username that authenticated. */
    authUser: text("auth_user"),
    /** Client certificate presented (whether or not it counted). */
    certSubject: text("cert_subject"),
    certSerial: text("cert_serial"),
    /** Why the presented certificate did not count: OpenSSL code, CERT_REVOKED, MAC_MISMATCH. */
    certFailure: text("cert_failure"),
    /** The tenant CIDR the source matched, when the network rule let it in. */
    networkRule: text("network_rule"),
    /** Extension numbers configured in the served device file (comma-separated). */
    credentials: text("credentials"),
    /** Served body encrypted with the device's config key (Grandstream). */
    encrypted: integer("encrypted", { mode: "boolean" }),
    // Unauthenticated traffic (issue 11): one row per source, minute and outcome, counted
    // (src/provisioning/anonymous-fetches.ts). Null on authenticated fetches, which get a row each.
    /** The aggregation key of an unauthenticated row; unique. */
    anonKey: text("anon_key"),
    /** Requests this row stands for (1 for an authenticated fetch). */
    count: integer("count").notNull().default(1),
    /** Time of the last request counted in this row. */
    lastAt: integer("last_at"),
  },
  (t) => [
    index("fetch_log_mac_at").on(t.mac, t.at),
    index("fetch_log_at").on(t.at),
    index("fetch_log_source_at").on(t.sourceIp, t.at),
    uniqueIndex("fetch_log_anon_key").on(t.anonKey),
  ],
);

export const apiTokens = sqliteTable("api_tokens", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull(),
  role: text("role", { enum: ["admin", "technician", "readonly", "registrar", "pbx"] }).notNull(),
  /** SHA-256 (hex) of the token; the token itself is shown once. */
  tokenHash: text("token_hash").notNull().unique(),
  createdAt: integer("created_at").notNull(),
  lastUsedAt: integer("last_used_at"),
  revokedAt: integer("revoked_at"),
  /** Tenant names a `pbx` token may read (docs/pbx.md); null for the other roles. */
  tenantScope: text("tenant_scope", { mode: "json" }).$type<string[]>(),
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
    before: text("before", { mode: "json" }).$type<AuditSnapshot>(),
    after: text("after", { mode: "json" }).$type<AuditSnapshot>(),
    outcome: text("outcome").notNull().default("ok"),
    detail: text("detail"),
  },
  (t) => [index("audit_log_at").on(t.at), index("audit_log_mac").on(t.mac), index("audit_log_actor").on(t.actor)],
);

// --- Bulk onboarding (issue 6): one row per applied import or claim, and the devices it touched. ---

export const importBatches = sqliteTable("import_batches", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  createdAt: integer("created_at").notNull(),
  /** Who: `token:<name>` for the admin API, `cli`. */
  actor: text("actor").notNull(),
  /** `csv` (CLI or upload), `claim` (discovery inbox) or `extensions` (extensions CSV; no devices). */
  source: text("source", { enum: ["csv", "claim", "extensions"] }).notNull(),
  /** File name for a CSV import; null for claims and uploads without a name. */
  fileName: text("file_name"),
  rows: integer("rows").notNull(),
  created: integer("created").notNull(),
  updated: integer("updated").notNull(),
  unchanged: integer("unchanged").notNull(),
});

export const importBatchDevices = sqliteTable(
  "import_batch_devices",
  {
    batchId: integer("batch_id")
      .notNull()
      .references(() => importBatches.id, { onDelete: "cascade" }),
    /** Deleting a device drops it from its batches' status. */
    deviceId: integer("device_id")
      .notNull()
      .references(() => devices.id, { onDelete: "cascade" }),
    mac: text("mac").notNull(),
    /** What the batch did to the device: created | updated | unchanged. */
    action: text("action", { enum: ["created", "updated", "unchanged"] }).notNull(),
    /** Row of the file (line number) or claim number. */
    row: integer("row").notNull(),
  },
  (t) => [primaryKey({ columns: [t.batchId, t.deviceId] }), index("import_batch_devices_device").on(t.deviceId)],
);

// --- Registrations, NOTIFY and force-unregister (issue 5) ---------------------------------------

/** The secret a device's event URLs carry (src/registrations/event-secrets.ts); one per device. */
export const deviceEventSecrets = sqliteTable("device_event_secrets", {
  deviceId: integer("device_id")
    .primaryKey()
    .references(() => devices.id, { onDelete: "cascade" }),
  secretEnc: text("secret_enc").notNull(),
  createdAt: integer("created_at").notNull(),
});

/**
 * Registration state of an extension, one row per binding: `device:<id>` when the phone is known,
 * else `contact:<uri>` (a registrar reported a contact no device could be matched to).
 */
export const registrations = sqliteTable(
  "registrations",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    tenantId: integer("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    extensionId: integer("extension_id")
      .notNull()
      .references(() => extensions.id, { onDelete: "cascade" }),
    deviceId: integer("device_id").references(() => devices.id, { onDelete: "cascade" }),
    bindingKey: text("binding_key").notNull(),
    /** registered | unregistered | expired | failed */
    state: text("state", { enum: ["registered", "unregistered", "expired", "failed"] }).notNull(),
    contact: text("contact"),
    source: text("source"),
    userAgent: text("user_agent"),
    /** When `state` began. */
    since: integer("since").notNull(),
    /** Null when the reporter gave no expiry (phone events). */
    expiresAt: integer("expires_at"),
    /** registered | refreshed | unregistered | expired | register_failed */
    lastEvent: text("last_event").notNull(),
    /** `phone:<mac>`, `registrar:<token name>`, `system` */
    lastEventSource: text("last_event_source").notNull(),
    lastEventAt: integer("last_event_at").notNull(),
  },
  (t) => [uniqueIndex("registrations_binding").on(t.extensionId, t.bindingKey), index("registrations_device").on(t.deviceId)],
);

/** Extensions an operator disabled (force-unregister with `disable`): their lines and keys are not rendered. */
export const disabledExtensions = sqliteTable("disabled_extensions", {
  extensionId: integer("extension_id")
    .primaryKey()
    .references(() => extensions.id, { onDelete: "cascade" }),
  disabledAt: integer("disabled_at").notNull(),
  requestId: integer("request_id"),
});

export const forceUnregisters = sqliteTable(
  "force_unregisters",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    tenantId: integer("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    extensionId: integer("extension_id").references(() => extensions.id, { onDelete: "set null" }),
    extension: text("extension").notNull(),
    /** remove | disable */
    mode: text("mode", { enum: ["remove", "disable"] }).notNull(),
    /** pending | confirmed | timed-out | cancelled (by an admin, or when the extension is enabled again) */
    state: text("state", { enum: ["pending", "confirmed", "timed-out", "cancelled"] }).notNull(),
    actor: text("actor").notNull(),
    createdAt: integer("created_at").notNull(),
    deadlineAt: integer("deadline_at").notNull(),
    finishedAt: integer("finished_at"),
  },
  (t) => [index("force_unregisters_state").on(t.state)],
);

/** One phone a force-unregister waits for. No FK to devices: the record outlives a deleted device. */
export const forceUnregisterDevices = sqliteTable(
  "force_unregister_devices",
  {
    requestId: integer("request_id")
      .notNull()
      .references(() => forceUnregisters.id, { onDelete: "cascade" }),
    deviceId: integer("device_id").notNull(),
    mac: text("mac").notNull(),
    /** pending | fetched | unregistered */
    state: text("state", { enum: ["pending", "fetched", "unregistered"] }).notNull(),
    /** Device files whose content changed, with the hash of the old content: [{ name, oldHash }]. */
    files: text("files", { mode: "json" }).$type<{ name: string; oldHash: string }[]>().notNull(),
    /** Outcome of the NOTIFY: null until sent; ok | rejected | timeout | error | skipped */
    notify: text("notify"),
    notifyDetail: text("notify_detail"),
    confirmedAt: integer("confirmed_at"),
    /**
     * The NOTIFY still to send (target and the credentials the phone held before the rotation), JSON
     * sealed like every secret; cleared once sent. A server killed before sending resumes it at start.
     */
    notifyPlanEnc: text("notify_plan_enc"),
  },
  (t) => [primaryKey({ columns: [t.requestId, t.deviceId] })],
);
// --- security (issue 7) ---

/**
 * Per-device key of encrypted config files (Grandstream P1359 password), sealed like every secret.
 * Created on the first fetch after the tenant turned `configEncryption` on.
 */
export const deviceConfigKeys = sqliteTable("device_config_keys", {
  deviceId: integer("device_id")
    .primaryKey()
    .references(() => devices.id, { onDelete: "cascade" }),
  keyEnc: text("key_enc").notNull(),
  createdAt: integer("created_at").notNull(),
});

// ---------------------------------------------------------------------------------------------
// Extensions as operators manage them (issue 3): the portal guide's settings, groups, numbering
// plan, key layouts. One row of `extension_settings` per extension; each guide section is a JSON
// column validated by its own zod schema (src/services/extension-settings/schemas.ts).

export const extensionSettings = sqliteTable(
  "extension_settings",
  {
    extensionId: integer("extension_id")
      .primaryKey()
      .references(() => extensions.id, { onDelete: "cascade" }),
    /** Denormalised so the username can be unique per tenant. */
    tenantId: integer("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    username: text("username").notNull(),
    profile: text("profile", { mode: "json" }).$type<Profile>().notNull(),
    numberSettings: text("number_settings", { mode: "json" }).$type<NumberSettings>().notNull(),
    /** Without the third-party SIP password: that is sealed in `third_party_sip_password_enc`. */
    allowedEndpoints: text("allowed_endpoints", { mode: "json" }).$type<EndpointsJson>().notNull(),
    /** Without the PIN: that is sealed in `voicemail_pin_enc`. */
    voicemail: text("voicemail", { mode: "json" }).$type<VoicemailJson>().notNull(),
    callWaiting: text("call_waiting", { mode: "json" }).$type<CallWaiting>().notNull(),
    monitoring: text("monitoring", { mode: "json" }).$type<Monitoring>().notNull(),
    forwarding: text("forwarding", { mode: "json" }).$type<Forwarding>().notNull(),
    // Sealed like every secret, in `*_enc` columns so that key rotation finds them (services/key-rotation.ts).
    thirdPartySipPasswordEnc: text("third_party_sip_password_enc"),
    voicemailPinEnc: text("voicemail_pin_enc"),
  },
  (t) => [uniqueIndex("extension_settings_tenant_username").on(t.tenantId, t.username)],
);

/** Avatar image of an extension's user (type and size checked on upload). */
export const extensionAvatars = sqliteTable("extension_avatars", {
  extensionId: integer("extension_id")
    .primaryKey()
    .references(() => extensions.id, { onDelete: "cascade" }),
  contentType: text("content_type").notNull(),
  data: text("data").notNull(),
});

/** Phone numbers (DIDs) of an extension; a number belongs to one extension of the tenant. */
export const extensionPhoneNumbers = sqliteTable(
  "extension_phone_numbers",
  {
    tenantId: integer("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    phoneNumber: text("phone_number").notNull(),
    extensionId: integer("extension_id")
      .notNull()
      .references(() => extensions.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.phoneNumber] }), index("extension_phone_numbers_ext").on(t.extensionId)],
);

/** Devices an extension may be carried by when its IP-phone endpoint names devices. */
export const extensionAllowedDevices = sqliteTable(
  "extension_allowed_devices",
  {
    extensionId: integer("extension_id")
      .notNull()
      .references(() => extensions.id, { onDelete: "cascade" }),
    deviceId: integer("device_id")
      .notNull()
      .references(() => devices.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.extensionId, t.deviceId] })],
);

export const extensionGroups = sqliteTable(
  "extension_groups",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    tenantId: integer("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
  },
  (t) => [uniqueIndex("extension_groups_tenant_name").on(t.tenantId, t.name)],
);

export const extensionGroupMembers = sqliteTable(
  "extension_group_members",
  {
    groupId: integer("group_id")
      .notNull()
      .references(() => extensionGroups.id, { onDelete: "cascade" }),
    extensionId: integer("extension_id")
      .notNull()
      .references(() => extensions.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.extensionId] }), index("extension_group_members_ext").on(t.extensionId)],
);

/** Per-tenant numbering plan; no row = the defaults of the star-code document. */
export const numberingPlans = sqliteTable("numbering_plans", {
  tenantId: integer("tenant_id")
    .primaryKey()
    .references(() => tenants.id, { onDelete: "cascade" }),
  restricted: text("restricted", { mode: "json" }).$type<NumberingPlan["restricted"]>().notNull(),
  recommended: text("recommended", { mode: "json" }).$type<NumberingPlan["recommended"]>().notNull(),
});

/** Named key layouts per tenant ("reception panel"), reusable across phones. */
export const keyLayouts = sqliteTable(
  "key_layouts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    tenantId: integer("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("key_layouts_tenant_name").on(t.tenantId, t.name)],
);

/** A layout's keys; same kinds as device keys plus `blf_group`. */
export const keyLayoutKeys = sqliteTable(
  "key_layout_keys",
  {
    layoutId: integer("layout_id")
      .notNull()
      .references(() => keyLayouts.id, { onDelete: "cascade" }),
    keyIndex: integer("key_index").notNull(),
    kind: text("kind").notNull(),
    label: text("label"),
    lineIndex: integer("line_index").notNull().default(1),
    targetExtensionId: integer("target_extension_id").references(() => extensions.id, { onDelete: "restrict" }),
    targetGroupId: integer("target_group_id").references(() => extensionGroups.id, { onDelete: "restrict" }),
    value: text("value"),
  },
  (t) => [primaryKey({ columns: [t.layoutId, t.keyIndex] })],
);

/** The layout a device uses (at most one); its own keys override the layout slot by slot. */
export const deviceKeyLayouts = sqliteTable("device_key_layouts", {
  deviceId: integer("device_id")
    .primaryKey()
    .references(() => devices.id, { onDelete: "cascade" }),
  layoutId: integer("layout_id")
    .notNull()
    .references(() => keyLayouts.id, { onDelete: "restrict" }),
});

/** A device's own BLF-to-group keys (device_keys holds the other kinds). */
export const deviceGroupKeys = sqliteTable(
  "device_group_keys",
  {
    deviceId: integer("device_id")
      .notNull()
      .references(() => devices.id, { onDelete: "cascade" }),
    keyIndex: integer("key_index").notNull(),
    groupId: integer("group_id")
      .notNull()
      .references(() => extensionGroups.id, { onDelete: "restrict" }),
    label: text("label"),
    lineIndex: integer("line_index").notNull().default(1),
  },
  (t) => [primaryKey({ columns: [t.deviceId, t.keyIndex] })],
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
    vendor: text("vendor", { enum: VENDOR_IDS }).notNull(),
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
    vendor: text("vendor", { enum: VENDOR_IDS }).notNull(),
    model: text("model").notNull(),
    firmwareId: integer("firmware_id")
      .notNull()
      .references(() => firmwareImages.id, { onDelete: "restrict" }),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.vendor, t.model] }), index("firmware_pins_image").on(t.firmwareId)],
);

// --- PBX change feed (issue 15, docs/pbx.md): webhooks, the events of each extension, deliveries. ---

export const pbxWebhooks = sqliteTable("pbx_webhooks", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique(),
  url: text("url").notNull(),
  /** HMAC-SHA256 key, sealed. */
  secretEnc: text("secret_enc").notNull(),
  /** Tenant names whose events it gets; null = every tenant. */
  tenants: text("tenants", { mode: "json" }).$type<string[]>(),
  createdAt: integer("created_at").notNull(),
});

/** The outbox: one row per change of an extension, written in the change's transaction. */
export const pbxEvents = sqliteTable(
  "pbx_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    tenantId: integer("tenant_id").notNull(),
    /** `<tenant>/<number>`: the ordering key (the extension row may be gone after a delete). */
    extensionKey: text("extension_key").notNull(),
    type: text("type").notNull(),
    /** The webhook body; `{}` for the moment between the insert (which gives the id) and its update. */
    payload: text("payload", { mode: "json" }).$type<ChangePayload | Record<string, never>>().notNull(),
    at: integer("at").notNull(),
  },
  (t) => [index("pbx_events_extension").on(t.extensionKey, t.id)],
);

export const pbxDeliveries = sqliteTable(
  "pbx_deliveries",
  {
    eventId: integer("event_id")
      .notNull()
      .references(() => pbxEvents.id, { onDelete: "cascade" }),
    webhookId: integer("webhook_id")
      .notNull()
      .references(() => pbxWebhooks.id, { onDelete: "cascade" }),
    extensionKey: text("extension_key").notNull(),
    /** pending | delivered | failed (gave up after the last attempt) */
    state: text("state", { enum: ["pending", "delivered", "failed"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    /** A sender holds the row until then (another node skips it). */
    leaseUntil: integer("lease_until"),
    lastStatus: integer("last_status"),
    lastError: text("last_error"),
    deliveredAt: integer("delivered_at"),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.webhookId] }), index("pbx_deliveries_due").on(t.state, t.nextAttemptAt)],
);


// --- The portal (issue 14): system accounts, extension users' passwords, sessions, one-time links. ---

/** Operator accounts of the portal: admin, technician, readonly; across tenants or limited to some. */
export const portalUsers = sqliteTable("portal_users", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  username: text("username").notNull().unique(),
  role: text("role", { enum: ["admin", "technician", "readonly"] }).notNull(),
  /** Tenant names this account may see; null = every tenant. */
  tenants: text("tenants", { mode: "json" }).$type<string[] | null>(),
  /** argon2id PHC string (src/portal/passwords.ts); null until a password is set. */
  passwordHash: text("password_hash"),
  /** Where one-time sign-in codes, reset and welcome links go. */
  email: text("email"),
  twoStep: integer("two_step", { mode: "boolean" }).notNull().default(false),
  disabledAt: integer("disabled_at"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** The portal password of an extension's user (signing in as username@tenant). */
export const extensionLogins = sqliteTable("extension_logins", {
  extensionId: integer("extension_id")
    .primaryKey()
    .references(() => extensions.id, { onDelete: "cascade" }),
  passwordHash: text("password_hash").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * Portal sessions. `id` is the SHA-256 of the cookie's random value, so the database never holds a
 * usable session. `stage` is `code` between the password and the one-time code of a two-step sign-in.
 */
export const portalSessions = sqliteTable(
  "portal_sessions",
  {
    id: text("id").primaryKey(),
    kind: text("kind", { enum: ["system", "extension"] }).notNull(),
    /** portal_users.id or extensions.id. */
    subjectId: integer("subject_id").notNull(),
    stage: text("stage", { enum: ["code", "full"] }).notNull(),
    csrfToken: text("csrf_token").notNull(),
    /** SHA-256 of the one-time code while `stage` is `code`. */
    codeHash: text("code_hash"),
    codeAttempts: integer("code_attempts").notNull().default(0),
    createdAt: integer("created_at").notNull(),
    lastSeenAt: integer("last_seen_at").notNull(),
    /** Absolute expiry: createdAt + portalSessionAbsoluteHours. */
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
    sourceIp: text("source_ip"),
  },
  (t) => [index("portal_sessions_subject").on(t.kind, t.subjectId)],
);

/** One-time links (password reset, welcome); `id` is the SHA-256 of the token in the link. */
export const portalLinks = sqliteTable("portal_links", {
  id: text("id").primaryKey(),
  purpose: text("purpose", { enum: ["reset", "welcome"] }).notNull(),
  kind: text("kind", { enum: ["system", "extension"] }).notNull(),
  subjectId: integer("subject_id").notNull(),
  createdAt: integer("created_at").notNull(),
  expiresAt: integer("expires_at").notNull(),
  usedAt: integer("used_at"),
});

/** Failed sign-ins, per source address and per account name, for slowing down and refusing. */
export const portalLoginFailures = sqliteTable(
  "portal_login_failures",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: integer("at").notNull(),
    sourceIp: text("source_ip").notNull(),
    account: text("account").notNull(),
  },
  (t) => [index("portal_login_failures_ip").on(t.sourceIp, t.at), index("portal_login_failures_account").on(t.account, t.at)],
);
/**
 * Zero-touch first contact (src/provisioning/bootstrap.ts): one row per device, its latest window.
 * While open and unexpired, the device's files are served without Digest to `source_ip` only,
 * until a file carrying its provisioning credentials went out or it authenticated.
 */
export const bootstrapWindows = sqliteTable("bootstrap_windows", {
  deviceId: integer("device_id")
    .primaryKey()
    .references(() => devices.id, { onDelete: "cascade" }),
  tenantId: integer("tenant_id")
    .notNull()
    .references(() => tenants.id, { onDelete: "cascade" }),
  sourceIp: text("source_ip").notNull(),
  openedAt: integer("opened_at").notNull(),
  expiresAt: integer("expires_at").notNull(),
  openedBy: text("opened_by").notNull(),
  /** claim | import | manual */
  reason: text("reason").notNull(),
  filesServed: integer("files_served").notNull().default(0),
  closedAt: integer("closed_at"),
  /** delivered | authenticated | expired | reopened */
  closedReason: text("closed_reason"),
});

/**
 * One row: the generation of everything rendered files depend on. Triggers (migration
 * `render_cache`) bump it on every write to a table in RENDER_INPUT_TABLES
 * (src/provisioning/render-cache.ts), from any connection or process.
 */
export const configGeneration = sqliteTable(
  "config_generation",
  {
    id: integer("id").primaryKey(),
    gen: integer("gen").notNull().default(0),
  },
  (t) => [check("config_generation_one_row", sql`${t.id} = 1`)],
);

/**
 * The last body each device file was served with, for the portal's diff against what the phone
 * would get now (the fetch log keeps hashes only). One row per device file, replaced when the
 * content changes; the body holds SIP passwords, so it is sealed like every secret (`*_enc`, re-sealed
 * by key rotation). Written by the fetch recorder's batch, off the request path.
 */
export const servedFiles = sqliteTable(
  "served_files",
  {
    deviceId: integer("device_id")
      .notNull()
      .references(() => devices.id, { onDelete: "cascade" }),
    fileName: text("file_name").notNull(),
    /** SHA-256 of the plaintext, as fetch_log.config_hash. */
    contentHash: text("content_hash").notNull(),
    bodyEnc: text("body_enc").notNull(),
    servedAt: integer("served_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.deviceId, t.fileName] })],
);

// --- Hot-desking (docs/hot-desking.md) --------------------------------------------------------

/**
 * A device that is a hot desk. While someone is signed in, `extension_id` names them and
 * `base_profile` holds the device's own lines and keys as they were (src/hot-desk/profile.ts);
 * signing out writes them back. Free: both null.
 */
export const hotDesks = sqliteTable(
  "hot_desks",
  {
    deviceId: integer("device_id")
      .primaryKey()
      .references(() => devices.id, { onDelete: "cascade" }),
    tenantId: integer("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    /** Key slot of the Sign in / Sign out key; null = none (the codes are dialled). */
    keyIndex: integer("key_index"),
    enabledAt: integer("enabled_at").notNull(),
    /** Set null when the extension is deleted: the next sweep restores the base profile. */
    extensionId: integer("extension_id").references(() => extensions.id, { onDelete: "set null" }),
    signedInAt: integer("signed_in_at"),
    /** pbx | admin | cli */
    signedInVia: text("signed_in_via"),
    baseProfile: text("base_profile", { mode: "json" }).$type<BaseProfile>(),
    /**
     * device: made a hot desk with `hot-desk enable`; default: a desk of a tenant-default model
     * (hot_desk_defaults) while someone is signed in. A free default desk has no row.
     */
    origin: text("origin", { enum: ["device", "default"] }).notNull().default("device"),
  },
  (t) => [index("hot_desks_tenant").on(t.tenantId), index("hot_desks_extension").on(t.extensionId)],
);

/** What an extension brings to a hot desk: its hot-desk PIN (sealed) and its key layout. */
export const hotDeskProfiles = sqliteTable("hot_desk_profiles", {
  extensionId: integer("extension_id")
    .primaryKey()
    .references(() => extensions.id, { onDelete: "cascade" }),
  pinEnc: text("pin_enc"),
  layoutId: integer("layout_id").references(() => keyLayouts.id, { onDelete: "set null" }),
});

/** A tenant's hoteling rules; no row = the defaults (no automatic sign-out, one desk per person). */
export const hotDeskRules = sqliteTable("hot_desk_rules", {
  tenantId: integer("tenant_id")
    .primaryKey()
    .references(() => tenants.id, { onDelete: "cascade" }),
  /** Tenant-local "HH:MM": everyone signed in is signed out when the tenant's clock passes it. */
  signOutAt: text("sign_out_at"),
  /** Sign out after this many hours signed in. */
  maxHours: integer("max_hours"),
  oneDeskPerPerson: integer("one_desk_per_person", { mode: "boolean" }).notNull().default(true),
  updatedAt: integer("updated_at").notNull(),
});

/** Wrong hot-desk PINs, per device and per extension, for slowing down and refusing. */
export const hotDeskPinFailures = sqliteTable(
  "hot_desk_pin_failures",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: integer("at").notNull(),
    deviceId: integer("device_id").notNull(),
    extensionId: integer("extension_id").notNull(),
  },
  (t) => [index("hot_desk_pin_failures_device").on(t.deviceId, t.at), index("hot_desk_pin_failures_extension").on(t.extensionId, t.at)],
);

/** Models that are hot desks by default in a tenant: each device of the model is one, unless opted out. */
export const hotDeskDefaults = sqliteTable(
  "hot_desk_defaults",
  {
    tenantId: integer("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    vendor: text("vendor", { enum: VENDOR_IDS }).notNull(),
    model: text("model").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.vendor, t.model] })],
);

/** Devices `hot-desk disable` took out: never a hot desk by their tenant's default, until `hot-desk enable`. */
export const hotDeskOptOuts = sqliteTable("hot_desk_opt_outs", {
  deviceId: integer("device_id")
    .primaryKey()
    .references(() => devices.id, { onDelete: "cascade" }),
  at: integer("at").notNull(),
});

/**
 * NOTIFYs a change committed and still has to send (hot-desk sign-in and sign-out), written in the
 * change's transaction with the plan sealed like every secret; deleted once sent. A process killed
 * in between leaves the row, and the next server start sends it (src/registrations/notify-outbox.ts).
 */
export const notifyOutbox = sqliteTable(
  "notify_outbox",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    deviceId: integer("device_id")
      .notNull()
      .references(() => devices.id, { onDelete: "cascade" }),
    /** The audit action of the change that queued it (`hot_desk.sign_in`, ...). */
    reason: text("reason").notNull(),
    actor: text("actor").notNull(),
    planEnc: text("plan_enc").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("notify_outbox_device").on(t.deviceId)],
);

/**
 * The highest Digest `nc` seen per nonce, where every node must see it (docs/scale-out.md): on
 * PostgreSQL a response replayed to another node finds its count here. One server on SQLite keeps
 * the counts in memory instead (src/http/digest.ts, NonceScope). Rows are deleted once the nonce's
 * lifetime has ended.
 */
export const digestNonces = sqliteTable(
  "digest_nonces",
  {
    nonce: text("nonce").primaryKey(),
    nc: integer("nc").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("digest_nonces_expires").on(t.expiresAt)],
);

/**
 * Which process runs a periodic pass (registration expiry, the hot-desk sweep, retention, ...):
 * the holder renews its lease at every pass; another process takes the pass over once the lease
 * has run out (src/db/leases.ts).
 */
export const jobLeases = sqliteTable("job_leases", {
  name: text("name").primaryKey(),
  holder: text("holder").notNull(),
  until: integer("until").notNull(),
});
