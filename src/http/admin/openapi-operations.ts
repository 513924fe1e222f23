import { z } from "zod";
import { FirmwarePinInput } from "../../firmware/schemas.ts";
import {
  AllowedEndpointsInput,
  AvatarInput,
  CallWaitingInput,
  DuplicateInput,
  ForwardingInput,
  GroupMembershipInput,
  MonitoringInput,
  NumberSettingsInput,
  PhoneNumberInput,
  ProfileInput,
  VoicemailInput,
} from "../../services/extension-settings/schemas.ts";
import { GroupInput, GroupPatch, MembersInput } from "../../services/groups.ts";
import { DeviceLayoutInput, KeyLayoutInput, KeyLayoutPut } from "../../services/key-layouts.ts";
import { NumberingPlanInput } from "../../services/numbering.ts";
import { DeviceInput, DevicePatch, ExtensionInput, ExtensionPatch, FeatureCodesPatch, KeysBody, KeysInput, LinesBody, LinesInput, TenantInput, TenantPatch } from "../../services/schemas.ts";
import { AuditFilter } from "../../services/audit-query.ts";
import { ClaimsInput } from "../../onboarding/claim.ts";
import { MassResyncInput } from "../../registrations/actions.ts";
import { ForceUnregisterInput } from "../../registrations/force-unregister.ts";
import { RegistrarEventInput } from "../../registrations/registrar-webhook.ts";
import * as Out from "./openapi-responses.ts";
import { PBX_OPERATIONS } from "./openapi-pbx.ts";
import { HOT_DESK_OPERATIONS } from "./openapi-hot-desk.ts";

/**
 * Every admin API operation: the OpenAPI document is built from this table (request bodies from
 * the same zod schemas the routes parse), and test/http/openapi.test.ts checks that the table and
 * the routers list the same routes. Paths use OpenAPI `{param}` form, relative to /api/v1.
 */
export interface Operation {
  readonly method: "get" | "post" | "put" | "patch" | "delete";
  readonly path: string;
  readonly summary: string;
  /** Roles allowed; `any` = every role but `registrar` may call it. */
  readonly roles: "any" | "admin" | "admin, technician" | "registrar, admin" | "admin, pbx";
  readonly tag: string;
  /** JSON request body, a CSV file (`text/csv`) or a raw upload (`application/octet-stream`). */
  readonly body?: z.ZodType | "text/csv" | "application/octet-stream" | "application/x-www-form-urlencoded";
  /** Query parameters: name -> description, or the zod object the route parses the query with. */
  readonly query?: Readonly<Record<string, string>> | z.ZodObject;
  /** Success status and answer: a JSON schema, `text/csv`, or nothing (204, 202 without body). */
  readonly status?: 200 | 201 | 202 | 204;
  readonly response?: z.ZodType | "text/csv";
  /** Other documented answers (e.g. a 400 listing every problem of a file). */
  readonly errors?: Readonly<Record<number, z.ZodType>>;
}

const T = "/tenants/{tenant}";
const X = `${T}/extensions/{number}`;
const op = (method: Operation["method"], path: string, roles: Operation["roles"], tag: string, summary: string, extra: Partial<Operation> = {}): Operation => ({
  method,
  path,
  roles,
  tag,
  summary,
  ...extra,
});

/** Bulk onboarding (docs/onboarding.md). */
const ONBOARDING: readonly Operation[] = [
  op("post", "/imports", "admin, technician", "onboarding", "Import a CSV file (all-or-nothing; 200 with batchId null for a dry run or when nothing changed)", {
    body: "text/csv",
    query: { dryRun: "1: check only, write nothing", fileName: "name recorded with the batch" },
    status: 201,
    response: Out.ImportReportOut,
    errors: { 400: Out.ImportRefusedOut },
  }),
  op("get", "/imports", "any", "onboarding", "Import and claim batches, newest first (last 100)", { response: Out.BatchListOut }),
  op("get", "/imports/{id}", "any", "onboarding", "A batch with the onboarding state of each device", { query: { state: "fetched, refused, never or registered (registered now)" }, response: Out.BatchStatusOut }),
  op("get", "/exports/devices.csv", "any", "onboarding", "The devices in the import format", { query: { tenant: "only this tenant's" }, response: "text/csv" }),
  op("post", "/tenants/{tenant}/extension-imports", "admin", "onboarding", "Create or update a tenant's extensions from a CSV file (all-or-nothing; 200 with batchId null for a dry run or when nothing changed)", {
    body: "text/csv",
    query: { dryRun: "1: check only, write nothing", fileName: "name recorded with the batch" },
    status: 201,
    response: Out.ImportReportOut,
    errors: { 400: Out.ExtensionImportRefusedOut },
  }),
  op("get", "/tenants/{tenant}/exports/extensions.csv", "any", "onboarding", "A tenant's extensions in the extension import format (no PIN)", { response: "text/csv" }),
  op("post", "/discovered-devices/claim", "admin, technician", "onboarding", "Claim discovered phones, one or many (all-or-nothing)", {
    body: ClaimsInput,
    status: 201,
    response: Out.ImportReportOut,
    errors: { 400: Out.ClaimRefusedOut },
  }),
];

/** Registrations, NOTIFY actions, force-unregister (docs/pbx.md). */
const REGISTRATIONS: readonly Operation[] = [
  op("post", "/registrations/events", "registrar, admin", "registrations", "Registrar webhook: a registration event of an address of record", { body: RegistrarEventInput, response: Out.RegistrarEventOut }),
  op("get", "/registrations", "any", "registrations", "Registration bindings", {
    query: { tenant: "only this tenant's", extension: "only this extension's (needs tenant)", mac: "only this device's" },
    response: Out.RegistrationsOut,
  }),
  op("get", "/devices/{mac}/registration", "any", "registrations", "A device's registrations and config drift", { response: Out.DeviceRegistrationOut }),
  op("get", `${X}/registration`, "any", "registrations", "An extension's registrations", { response: Out.ExtensionRegistrationOut }),
  op("post", "/devices/{mac}/resync", "admin, technician", "registrations", "NOTIFY the phone to re-fetch its config", { status: 202, response: Out.PhoneActionOut }),
  op("post", "/devices/{mac}/reboot", "admin, technician", "registrations", "NOTIFY the phone to reboot", { status: 202, response: Out.PhoneActionOut }),
  op("post", `${T}/resync`, "admin, technician", "registrations", "Resync every device of the tenant (or of one model), throttled", { body: MassResyncInput, status: 202, response: Out.MassResyncOut }),
  op("post", `${X}/resync`, "admin, technician", "registrations", "Resync every device carrying the extension", { status: 202, response: Out.MassResyncOut }),
  op("post", `${X}/force-unregister`, "admin", "registrations", "Rotate the password, take the extension off every phone (or disable it), NOTIFY them", {
    body: ForceUnregisterInput,
    status: 202,
    response: Out.ForceUnregisterOut,
  }),
  op("post", `${X}/enable`, "admin", "registrations", "Re-enable an extension disabled by a force-unregister", { status: 204 }),
  op("get", "/force-unregisters/{id}", "any", "registrations", "A force-unregister request and its phones", { response: Out.ForceUnregisterOut }),
  op("post", "/force-unregisters/{id}/cancel", "admin", "registrations", "Stop waiting for a pending force-unregister (what it did stays done)", { response: Out.ForceUnregisterOut }),
];

/** Firmware catalogue, pinning and rollout (docs/firmware.md). */
const FIRMWARE: readonly Operation[] = [
  op("get", "/firmware", "any", "firmware", "The firmware catalogue"),
  op("post", "/firmware", "admin", "firmware", "Add an image (raw body, streamed; name generated or strictly checked)", {
    body: "application/octet-stream",
    query: { vendor: "yealink | polycom | grandstream", models: "comma-separated model ids", version: "firmware version", name: "the vendor's file name" },
    status: 201,
  }),
  op("get", "/firmware/rollout", "any", "firmware", "Reported against pinned firmware per device: current, upgrade pending, unknown", {
    query: { tenant: "only this tenant's devices" },
  }),
  op("get", "/firmware/{id}", "any", "firmware", "One catalogued image"),
  op("delete", "/firmware/{id}", "admin", "firmware", "Remove an image (409 while a tenant pins it)", { status: 204 }),
  op("get", `${T}/firmware`, "any", "firmware", "The tenant's pinned versions per vendor and model"),
  op("put", `${T}/firmware/{vendor}/{model}`, "admin", "firmware", "Pin a catalogued version for a model", { body: FirmwarePinInput }),
  op("delete", `${T}/firmware/{vendor}/{model}`, "admin", "firmware", "Unpin: phones of that model keep their firmware", { status: 204 }),
  op("get", "/devices/{mac}/firmware", "any", "firmware", "The device's reported and target firmware and its status"),
];

export const OPERATIONS: readonly Operation[] = [
  op("get", "/openapi.json", "any", "meta", "This OpenAPI document"),
  op("get", "/tenants", "any", "tenants", "List tenants"),
  op("post", "/tenants", "admin", "tenants", "Create a tenant (feature codes seeded)", { body: TenantInput }),
  op("get", T, "any", "tenants", "Show a tenant"),
  op("patch", T, "admin", "tenants", "Change a tenant", { body: TenantPatch }),
  op("delete", T, "admin", "tenants", "Delete a tenant (409 while it has devices)"),
  op("get", `${T}/feature-codes`, "any", "tenants", "The tenant's feature codes"),
  op("patch", `${T}/feature-codes`, "admin", "tenants", "Change feature codes; phones follow at their next fetch", { body: FeatureCodesPatch }),
  op("get", `${T}/numbering-plan`, "any", "numbering", "Restricted and recommended ranges (the document's unless customised)"),
  op("put", `${T}/numbering-plan`, "admin", "numbering", "Replace both tables", { body: NumberingPlanInput }),
  op("delete", `${T}/numbering-plan`, "admin", "numbering", "Back to the star-code document's tables"),
  op("get", `${T}/extensions`, "any", "extensions", "List extensions"),
  op("post", `${T}/extensions`, "admin", "extensions", "Create an extension; restricted numbers refused, `warnings` for numbers in no recommended range", { body: ExtensionInput }),
  op("get", X, "any", "extensions", "Show an extension with its devices, username, groups and phone numbers"),
  op("patch", X, "admin", "extensions", "Change an extension", { body: ExtensionPatch }),
  op("delete", X, "admin", "extensions", "Delete an extension (409 while phones use it unless detach=1)", { query: { detach: "1: remove it from the phones' lines and keys first" } }),
  op("post", `${X}/reset-password`, "admin", "extensions", "New SIP password; phones get it at their next fetch"),
  op("post", `${X}/duplicate`, "admin", "extensions", "New extension with a new number and new secrets, other settings copied", { body: DuplicateInput }),
  op("get", `${X}/profile`, "any", "extension settings", "Extension information"),
  op("put", `${X}/profile`, "admin", "extension settings", "Replace extension information (username and role mandatory)", { body: ProfileInput }),
  op("get", `${X}/avatar`, "any", "extension settings", "The avatar image (its own content type)"),
  op("put", `${X}/avatar`, "admin", "extension settings", "Upload the avatar (PNG, JPEG, GIF or WebP, at most 256 KiB)", { body: AvatarInput }),
  op("delete", `${X}/avatar`, "admin", "extension settings", "Remove the avatar"),
  op("get", `${X}/number-settings`, "any", "extension settings", "Number settings"),
  op("put", `${X}/number-settings`, "admin", "extension settings", "Replace number settings", { body: NumberSettingsInput }),
  op("get", `${X}/allowed-endpoints`, "any", "extension settings", "Allowed endpoints (third-party password for admins only)"),
  op("put", `${X}/allowed-endpoints`, "admin", "extension settings", "Replace allowed endpoints", { body: AllowedEndpointsInput }),
  op("get", `${X}/voicemail`, "any", "extension settings", "Voicemail (PIN for admins only)"),
  op("put", `${X}/voicemail`, "admin", "extension settings", "Replace voicemail settings", { body: VoicemailInput }),
  op("get", `${X}/call-waiting`, "any", "extension settings", "Call waiting and holding"),
  op("put", `${X}/call-waiting`, "admin", "extension settings", "Replace call waiting and holding", { body: CallWaitingInput }),
  op("get", `${X}/monitoring`, "any", "extension settings", "Monitoring"),
  op("put", `${X}/monitoring`, "admin", "extension settings", "Replace monitoring", { body: MonitoringInput }),
  op("get", `${X}/phone-numbers`, "any", "extension settings", "Phone numbers of the extension"),
  op("post", `${X}/phone-numbers`, "admin", "extension settings", "Add a phone number (a number belongs to one extension)", { body: PhoneNumberInput }),
  op("delete", `${X}/phone-numbers/{phoneNumber}`, "admin", "extension settings", "Remove a phone number"),
  op("get", `${X}/forwarding`, "any", "extension settings", "Forwarding"),
  op("put", `${X}/forwarding`, "admin", "extension settings", "Replace forwarding", { body: ForwardingInput }),
  op("get", `${X}/forwarding/effective`, "any", "extension settings", "The forwarding in force at an instant", { query: { at: "ISO 8601 instant [now]" } }),
  op("get", `${X}/groups`, "any", "groups", "Groups the extension belongs to"),
  op("put", `${X}/groups`, "admin", "groups", "Replace the extension's groups", { body: GroupMembershipInput }),
  op("get", `${T}/groups`, "any", "groups", "List groups with members"),
  op("post", `${T}/groups`, "admin", "groups", "Create a group", { body: GroupInput }),
  op("get", `${T}/groups/{group}`, "any", "groups", "Show a group"),
  op("patch", `${T}/groups/{group}`, "admin", "groups", "Rename a group", { body: GroupPatch }),
  op("delete", `${T}/groups/{group}`, "admin", "groups", "Delete a group (409 while BLF keys target it)"),
  op("put", `${T}/groups/{group}/members`, "admin", "groups", "Replace the members", { body: MembersInput }),
  op("put", `${T}/groups/{group}/members/{number}`, "admin", "groups", "Add a member"),
  op("delete", `${T}/groups/{group}/members/{number}`, "admin", "groups", "Remove a member"),
  op("get", `${T}/key-layouts`, "any", "key layouts", "List key layouts"),
  op("post", `${T}/key-layouts`, "admin, technician", "key layouts", "Create a key layout", { body: KeyLayoutInput }),
  op("get", `${T}/key-layouts/{layout}`, "any", "key layouts", "Show a key layout"),
  op("put", `${T}/key-layouts/{layout}`, "admin, technician", "key layouts", "Replace a layout's keys (and rename it)", { body: KeyLayoutPut }),
  op("delete", `${T}/key-layouts/{layout}`, "admin, technician", "key layouts", "Delete a layout (409 while devices use it)"),
  op("get", "/devices", "any", "devices", "List devices", { query: { tenant: "only this tenant's" } }),
  op("post", "/devices", "admin, technician", "devices", "Create (or claim) a device", { body: DeviceInput }),
  op("get", "/devices/{mac}", "any", "devices", "Show a device with lines and keys"),
  op("patch", "/devices/{mac}", "admin, technician", "devices", "Change model or label", { body: DevicePatch }),
  op("delete", "/devices/{mac}", "admin, technician", "devices", "Delete a device"),
  op("get", "/devices/{mac}/lines", "any", "devices", "Lines"),
  op("put", "/devices/{mac}/lines", "admin, technician", "devices", "Replace lines (an extension not allowed on the phone is refused)", { body: z.union([LinesBody, LinesInput]) }),
  op("get", "/devices/{mac}/keys", "any", "devices", "The device's own keys"),
  op("put", "/devices/{mac}/keys", "admin, technician", "devices", "Replace the device's own keys", { body: z.union([KeysBody, KeysInput]) }),
  op("get", "/devices/{mac}/key-layout", "any", "key layouts", "The device's layout and its effective keys"),
  op("put", "/devices/{mac}/key-layout", "admin, technician", "key layouts", "Assign a layout (null: none)", { body: DeviceLayoutInput }),
  op("get", "/devices/{mac}/files", "any", "devices", "Files the phone asks for at boot"),
  op("get", "/devices/{mac}/files/{name}", "any", "devices", "Preview a file exactly as the phone gets it (device files: admin)"),
  op("get", "/discovered-devices", "any", "discovery", "The discovery inbox", { query: { all: "1: include dismissed" } }),
  op("delete", "/discovered-devices/{mac}", "admin, technician", "discovery", "Dismiss a discovered device"),
  ...ONBOARDING,
  ...REGISTRATIONS,
  ...FIRMWARE,
  ...PBX_OPERATIONS,
  ...HOT_DESK_OPERATIONS,
  op("get", "/audit", "any", "audit", "Admin changes, security events and fetches, newest first", { query: AuditFilter, response: Out.AuditOut }),
  op("post", "/devices/{mac}/bootstrap", "admin, technician", "onboarding", "Open a zero-touch window bound to the address the phone last called in from (docs/onboarding.md); 409 when the tenant has zeroTouch off or the phone never called in", { response: Out.BootstrapWindowOut }),
  op("get", "/devices/{mac}/config-key", "admin", "security", "The device's config-file password (Grandstream P1359); 409 when configs are not encrypted", { response: Out.ConfigKeyOut }),
];
