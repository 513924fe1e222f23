import { z } from "zod";
import { ONBOARDING_STATES } from "../../onboarding/batches.ts";
import { COLUMNS } from "../../onboarding/columns.ts";
import { EXTENSION_COLUMNS } from "../../onboarding/extension-columns.ts";

/**
 * Answer shapes of the onboarding, registration, audit and config-key routes, for the OpenAPI
 * document. Strict objects: test/http/openapi.test.ts parses real answers with them, so a field
 * added to an answer without being added here fails a test.
 */
const iso = z.string().describe("ISO 8601 time");
const isoOrNull = iso.nullable();
const mac = z.string().describe("12 lowercase hex digits");

export const ImportReportOut = z.strictObject({
  accepted: z.literal(true),
  dryRun: z.boolean(),
  rows: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  batchId: z.number().int().nullable().describe("null for a dry run or when nothing changed"),
});

const problemsError = (item: z.ZodType) =>
  z.strictObject({
    error: z.strictObject({
      code: z.literal("invalid_input"),
      message: z.string(),
      rows: z.number().int(),
      problemCount: z.number().int(),
      problems: z.array(item).describe("at most the first 1,000"),
    }),
  });

export const ImportRefusedOut = problemsError(z.strictObject({ row: z.number().int(), column: z.enum(COLUMNS).nullable(), reason: z.string() }));
export const ExtensionImportRefusedOut = problemsError(z.strictObject({ row: z.number().int(), column: z.enum(EXTENSION_COLUMNS).nullable(), reason: z.string() }));
export const ClaimRefusedOut = problemsError(z.strictObject({ claim: z.number().int(), field: z.string().nullable(), reason: z.string() }));

const Batch = z.strictObject({
  id: z.number().int(),
  createdAt: iso,
  actor: z.string(),
  source: z.enum(["csv", "claim", "extensions"]),
  fileName: z.string().nullable(),
  rows: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
});
export const BatchListOut = z.strictObject({ imports: z.array(Batch) });
export const BatchStatusOut = Batch.extend({
  summary: z.strictObject({ fetched: z.number().int(), refused: z.number().int(), never: z.number().int(), registered: z.number().int() }),
  devices: z.array(
    z.strictObject({
      mac,
      row: z.number().int(),
      action: z.enum(["created", "updated", "unchanged"]),
      state: z.enum(ONBOARDING_STATES as [string, ...string[]]),
      firstFetchAt: isoOrNull,
      lastRequestAt: isoOrNull,
      registered: z.boolean(),
    }),
  ),
});

export const RegistrarEventOut = z.strictObject({ state: z.enum(["registered", "unregistered", "failed"]), since: iso, expiresAt: isoOrNull });

const Registration = z.strictObject({
  tenant: z.string(),
  extension: z.string(),
  mac: mac.nullable(),
  state: z.enum(["registered", "unregistered", "failed", "expired"]),
  contact: z.string().nullable(),
  source: z.string().nullable(),
  userAgent: z.string().nullable(),
  since: iso,
  expiresAt: isoOrNull,
  lastEvent: z.string(),
  lastEventSource: z.string(),
  lastEventAt: iso,
});
export const RegistrationsOut = z.strictObject({ registrations: z.array(Registration) });
export const DeviceRegistrationOut = z.strictObject({
  mac,
  lastSeenAt: isoOrNull,
  lastIp: z.string().nullable(),
  registered: z.boolean(),
  registrations: z.array(Registration),
  config: z.strictObject({
    state: z.enum(["current", "drift", "never-fetched"]),
    files: z.array(z.strictObject({ name: z.string(), fetchedHash: z.string().nullable(), fetchedAt: isoOrNull, currentHash: z.string() })),
  }),
});
export const ExtensionRegistrationOut = z.strictObject({ tenant: z.string(), extension: z.string(), registered: z.boolean(), registrations: z.array(Registration) });

export const PhoneActionOut = z.strictObject({
  action: z.enum(["resync", "reboot"]),
  mac,
  target: z.string().describe("transport:host:port the NOTIFY goes to"),
  via: z.enum(["contact", "last-address"]),
});
export const MassResyncOut = z.strictObject({ queued: z.array(mac), skipped: z.array(mac).describe("devices without a known address") });

export const ForceUnregisterOut = z.strictObject({
  id: z.number().int(),
  extension: z.string(),
  mode: z.enum(["remove", "disable"]),
  state: z.enum(["pending", "confirmed", "timed-out", "cancelled"]),
  actor: z.string(),
  createdAt: iso,
  deadlineAt: iso,
  finishedAt: isoOrNull,
  devices: z.array(
    z.strictObject({
      mac,
      state: z.enum(["pending", "fetched", "unregistered"]),
      notify: z.string().nullable().describe("null until sent; ok, rejected, timeout, malformed, error or skipped"),
      notifyDetail: z.string().nullable(),
      confirmedAt: isoOrNull,
    }),
  ),
});

const AdminEvent = z.strictObject({
  type: z.literal("admin"),
  id: z.number().int(),
  at: iso,
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  tenantId: z.number().int().nullable(),
  mac: z.string().nullable(),
  extension: z.string().nullable(),
  before: z.unknown().describe("JSON snapshot, secrets as \"***\""),
  after: z.unknown().describe("JSON snapshot, secrets as \"***\""),
  outcome: z.string(),
  detail: z.string().nullable(),
});
const FetchEvent = z.strictObject({
  type: z.literal("fetch"),
  id: z.number().int(),
  at: iso,
  actor: z.string().describe("source:<ip>"),
  action: z.string().describe("fetch.<outcome>"),
  target: z.string().describe("file:<name>"),
  mac: z.string().nullable(),
  tenantId: z.number().int().nullable(),
  transport: z.string(),
  status: z.number().int(),
  userAgent: z.string().nullable(),
  authMethod: z.string().nullable(),
  authUser: z.string().nullable(),
  certSubject: z.string().nullable(),
  certSerial: z.string().nullable(),
  certFailure: z.string().nullable(),
  networkRule: z.string().nullable(),
  credentials: z.array(z.string()).describe("extension numbers whose credentials the file held"),
  configHash: z.string().nullable(),
  bytes: z.number().int().nullable(),
  encrypted: z.boolean().nullable(),
});
export const AuditOut = z.strictObject({ events: z.array(z.discriminatedUnion("type", [AdminEvent, FetchEvent])) });

export const ConfigKeyOut = z.strictObject({ mac, configFilePassword: z.string() });

export const BootstrapWindowOut = z.strictObject({ mac, sourceIp: z.string(), expiresAt: z.string().describe("ISO 8601") });
