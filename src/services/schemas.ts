import { z } from "zod";
import { isFeatureName, DIAL_STRING, FEATURES_WITH_EXTENSION, parseFeatureValue } from "../domain/feature-codes.ts";
import { KEY_KINDS } from "../domain/phone-config.ts";
import { isKnownTimeZone } from "../domain/time-zone.ts";
import { CONTROL_CHARACTERS_MESSAGE, EXTENSION_NUMBER, hasControlCharacters, isHost, isProvisioningUrl, parseCidr, SIP_USER } from "../domain/validation.ts";
import { nonEmpty, patchOf } from "./patch-schema.ts";

/** Input shapes of the admin API and the CLI; semantic checks (existence, capacity) live in the services. */

const text = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !hasControlCharacters(v), CONTROL_CHARACTERS_MESSAGE);

const host = z.string().refine(isHost, "must be a host name or an IP address");
const port = z.number().int().min(1).max(65535);
const dialString = z.string().regex(DIAL_STRING, "must be 1-32 of 0-9, * and # (a leading + is allowed)");

export const TenantInput = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{0,62}$/, "must be lowercase letters, digits, dots and dashes")
    .optional(),
  sipDomain: host,
  sipServerHost: host,
  sipServerPort: port.default(5060),
  sipTransport: z.enum(["udp", "tcp", "tls"]).default("udp"),
  outboundProxyHost: host.nullable().default(null),
  outboundProxyPort: port.nullable().default(null),
  registerExpires: z.number().int().min(60).max(86_400).default(3600),
  timeZone: z.string().refine(isKnownTimeZone, "must be an IANA time zone such as Europe/Berlin").default("UTC"),
  ntpServers: z.array(host).min(1).max(2).default(["pool.ntp.org"]),
  provisioningBaseUrl: z
    .string()
    .refine(isProvisioningUrl, "must be an absolute http:// or https:// URL of at most 512 characters without spaces, quotes, <, >, backslashes or control characters")
    .nullable()
    .default(null),
  resyncMinutes: z.number().int().min(0).max(10_080).default(1440),
  authMode: z.enum(["credentials", "network", "credentials_and_network", "credentials_or_network", "certificate", "credentials_or_certificate", "credentials_and_certificate"]).default("credentials"),
  allowedNetworks: z
    .array(z.string().refine((v) => parseCidr(v) !== null, "must be a CIDR such as 192.0.2.0/24"))
    .max(256)
    .default([]),
  configEncryption: z.boolean().default(false),
  zeroTouch: z.boolean().default(true),
  zeroTouchWindowSeconds: z.number().int().min(60).max(86_400).default(600),
});
export type TenantInput = z.infer<typeof TenantInput>;
/** A PATCH names the fields it changes; defaults apply on create only (src/services/patch-schema.ts). */
export const TenantPatch = patchOf(TenantInput.omit({ name: true }));
export type TenantPatch = z.infer<typeof TenantPatch>;

export const ExtensionInput = z.strictObject({
  number: z.string().regex(EXTENSION_NUMBER, "must be 2-15 digits"),
  displayName: text(64).min(1, "must not be empty"),
  sipUser: z.string().regex(SIP_USER, "must be 1-64 of letters, digits and . _ ~ + -").optional(),
  authUser: z.string().regex(SIP_USER, "must be 1-64 of letters, digits and . _ ~ + -").optional(),
  voicemailNumber: dialString.nullable().default(null),
});
export type ExtensionInput = z.infer<typeof ExtensionInput>;
export const ExtensionPatch = patchOf(ExtensionInput.omit({ number: true }));
export type ExtensionPatch = z.infer<typeof ExtensionPatch>;

export const DeviceInput = z.strictObject({
  mac: z.string().max(64),
  vendor: z.string().max(32).optional(),
  model: z.string().max(32),
  tenant: z.string().max(64),
  label: text(128).nullable().default(null),
  /** Expansion modules attached; at most the model's maximum (src/vendors/key-capacity.ts). */
  expansionModules: z.number().int().min(0).max(16).optional(),
});
export type DeviceInput = z.infer<typeof DeviceInput>;
export const DevicePatch = patchOf(
  z.strictObject({
    model: z.string().max(32),
    label: text(128).nullable(),
    expansionModules: z.number().int().min(0).max(16),
  }),
);
export type DevicePatch = z.infer<typeof DevicePatch>;

export const LinesInput = z
  .array(z.strictObject({ index: z.number().int().min(1), extension: z.string().regex(EXTENSION_NUMBER, "must be 2-15 digits") }))
  .max(64);
export type LinesInput = z.infer<typeof LinesInput>;
/** `PUT /devices/{mac}/lines`: `{ "lines": [...] }`, the shape GET answers (a bare array is still taken). */
export const LinesBody = z.strictObject({ lines: LinesInput });

export const KeyInput = z
  .strictObject({
    index: z.number().int().min(1),
    /** KEY_KINDS plus `blf_group` (value: a group name), expanded per phone (src/services/key-expansion.ts). */
    kind: z.enum([...KEY_KINDS, "blf_group"]),
    label: text(32).nullable().default(null),
    line: z.number().int().min(1).default(1),
    /** blf: extension number; speed_dial: number to dial; park: park code or orbit; feature: feature-code name; line / none: no value. */
    value: text(64).nullable().default(null),
  })
  .superRefine((k, ctx) => {
    const need = (ok: boolean, message: string) => ok || ctx.addIssue({ code: "custom", path: ["value"], message });
    if (k.kind === "blf") need(!!k.value && EXTENSION_NUMBER.test(k.value), "a blf key needs the extension number it watches");
    if (k.kind === "speed_dial") need(!!k.value && DIAL_STRING.test(k.value), "a speed_dial key needs a number of 0-9, * and #");
    if (k.kind === "park") need(k.value === null || DIAL_STRING.test(k.value), "a park key's value is a park code of 0-9, * and #");
    if (k.kind === "feature") {
      const name = k.value?.split(":")[0] ?? "";
      if (!isFeatureName(name)) need(false, "a feature key needs a feature-code name such as dnd_on");
      else if (FEATURES_WITH_EXTENSION.includes(name) && !parseFeatureValue(k.value))
        need(false, `${name} dials its code followed by an extension: give it as ${name}:<extension>, e.g. ${name}:105`);
      else need(parseFeatureValue(k.value) !== null, `${name} takes no extension: give it as ${name}`);
    }
    if (k.kind === "line") need(k.value === null, "a line key takes no value");
    if (k.kind === "none") need(k.value === null, "a none key (left empty on purpose) takes no value");
    if (k.kind === "blf_group") need(!!k.value && k.value.length <= 64, "a blf_group key needs the name of the group it watches");
  });
export type KeyInput = z.infer<typeof KeyInput>;
export const KeysInput = z.array(KeyInput).max(256);
/** `PUT /devices/{mac}/keys`: `{ "keys": [...] }`, the shape GET answers (a bare array is still taken). */
export const KeysBody = z.strictObject({ keys: KeysInput });

/**
 * Parses a PUT body of a list that GET answers as `{ "<name>": [...] }`; the older bare array is
 * read as that object, so an error path is `keys[0].value` whichever form was sent.
 */
export function parseListBody<T>(schema: z.ZodType<T>, name: string, body: unknown): T {
  return schema.parse(Array.isArray(body) ? { [name]: body } : body);
}

export const FeatureCodesPatch = nonEmpty(z.record(z.string().refine(isFeatureName, "is not a feature-code name"), dialString), "the feature-code names");

export const TokenRole = z.enum(["admin", "technician", "readonly", "registrar", "pbx"]);
export type TokenRole = z.infer<typeof TokenRole>;

/**
 * The one spelling of a field path in error messages, as services write them by hand too:
 * `keys[0].value`, `lines[2].extension`, `forwarding.unconditional.destination`.
 */
function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, p) => (typeof p === "number" ? `${out}[${p}]` : out ? `${out}.${String(p)}` : String(p)), "");
}

type Issue = z.core.$ZodIssue;

/**
 * A union that matches no branch says only "Invalid input"; describe the branch the input got
 * furthest into instead (deepest path, then fewest problems), e.g. a claim's `lines[0]` rather than
 * the `{ "claims": [...] }` form it was not meant to be.
 */
function closestBranch(issue: Issue): Issue[] | null {
  if (issue.code !== "invalid_union" || !issue.errors.length) return null;
  const depth = (issues: Issue[]) => Math.max(...issues.map((i) => i.path.length));
  const best = [...issue.errors].sort((a, b) => depth(b) - depth(a) || a.length - b.length)[0]!;
  return best.map((i) => ({ ...i, path: [...issue.path, ...i.path] }) as Issue);
}

function flatten(issues: readonly Issue[]): Issue[] {
  return issues.flatMap((i) => {
    const branch = closestBranch(i);
    return branch ? flatten(branch) : [i];
  });
}

/** Turns a zod failure into one readable sentence per problem: `sipServerPort: expected number`. */
export function describeIssues(error: z.ZodError): string {
  return flatten(error.issues)
    .map((i) => `${i.path.length ? formatPath(i.path) : "body"}: ${describeIssue(i)}`)
    .join("; ");
}

/** zod's message, with the names of missing fields (`POST /tenants` without `sipDomain`). */
function describeIssue(i: Issue): string {
  if (i.code === "invalid_type" && i.message.endsWith("received undefined")) return `is required (${i.expected})`;
  if (i.code === "unrecognized_keys") return `${i.message}; unknown field(s) are refused`;
  return i.message;
}
