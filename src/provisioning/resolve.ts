import { and, asc, eq, sql } from "drizzle-orm";
import { preparedPerQuery, type Query } from "../db/data.ts";
import { deviceEncrypts, readConfigKeyIn } from "./config-encryption.ts";
import type { FeatureCodes } from "../domain/feature-codes.ts";
import { FEATURE_LABELS, parseFeatureValue, STANDARD_SOFTKEYS } from "../domain/feature-codes.ts";
import type { Mac } from "../domain/mac.ts";
import type { FirmwareTarget, KeyConfig, LineConfig, PhoneConfig } from "../domain/phone-config.ts";
import { describeTimeZone } from "../domain/time-zone.ts";
import type { ServiceDeps } from "../services/deps.ts";
import type { Vendor } from "../vendors/vendor.ts";
import { featureCodesFrom } from "../domain/feature-codes.ts";
import { withTrailingSlash } from "../config.ts";
import { keyLimitsOf } from "../services/device-rules.ts";
import type { CallWaiting, NumberSettings, Voicemail } from "../services/extension-settings/schemas.ts";
import { defaultSettings } from "../services/extension-settings/store.ts";
import { expandDeviceKeys, readDeviceKeys } from "../services/key-expansion.ts";
import type { ExpandedKey } from "../domain/key-expansion.ts";
import type { DeviceRow, FirmwareRow, Tenant, ExtensionRow, ExtensionSettingsRow as SettingsRow } from "../db/rows.ts";

// The number only sets the default username, which phones never see.
const DEFAULTS = defaultSettings("0");

/** The settings that reach phones; an extension without a settings row has the defaults. */
function phoneSettings(row: SettingsRow | null): { voicemail: Pick<Voicemail, "unansweredCalls">; callWaiting: CallWaiting; numberSettings: NumberSettings } {
  if (!row) return DEFAULTS;
  return { voicemail: row.voicemail, callWaiting: row.callWaiting, numberSettings: row.numberSettings };
}

function toLine(deps: ServiceDeps, index: number, ext: ExtensionRow, row: SettingsRow | null, codes: FeatureCodes): LineConfig {
  const s = phoneSettings(row);
  return {
    index,
    extension: ext.number,
    displayName: ext.displayName,
    label: ext.number,
    userName: ext.sipUser,
    authName: ext.authUser,
    password: deps.secrets.open(ext.sipPasswordEnc),
    voicemailNumber: ext.voicemailNumber ?? codes.voicemail,
    voicemailEnabled: s.voicemail.unansweredCalls === "voicemail",
    callWaiting: s.callWaiting.queueCalls,
    anonymous: s.numberSettings.presentation === "anonymous",
  };
}

/**
 * The device's keys (src/services/key-expansion.ts, the one reader): a device with a key layout or
 * group keys gets them merged and expanded (what does not fit is dropped); plain keys are used as
 * stored. Keys watching a disabled extension are left out.
 */
async function deviceKeyConfigs(q: Query, device: DeviceRow, codes: FeatureCodes, disabled: ReadonlySet<number>): Promise<KeyConfig[]> {
  const read = await readDeviceKeys(q, device.id);
  const keys: Omit<ExpandedKey, "group" | "source">[] = [];
  if (read.composed) {
    const disabledNumbers = await numbersOf(q, device.tenantId, disabled);
    for (const k of (await expandDeviceKeys(q, device, keyLimitsOf(device), read)).keys) if (!(k.kind === "blf" && disabledNumbers.has(k.value!))) keys.push(k);
  } else {
    for (const k of read.own) if (k.kind !== "blf_group" && !(k.targetExtensionId !== null && disabled.has(k.targetExtensionId))) keys.push({ ...k, kind: k.kind });
  }
  return keys.map((k) => toKey(k, codes)).filter((k): k is KeyConfig => k !== null);
}

function toKey(k: Omit<ExpandedKey, "group" | "source">, codes: FeatureCodes): KeyConfig | null {
  const base = { index: k.index, line: k.line };
  switch (k.kind) {
    case "line":
      return { ...base, kind: "line", label: k.label ?? "" };
    case "none":
      return { ...base, kind: "none", label: "" };
    case "blf": {
      // A plain BLF key whose extension is gone has no number: nothing to watch.
      if (k.value === null) return null;
      const prefix = codes.directed_pickup;
      return { ...base, kind: "blf", label: k.label ?? k.targetName ?? k.value, target: k.value, pickupPrefix: prefix, pickupCode: `${prefix}${k.value}` };
    }
    case "speed_dial":
      return { ...base, kind: "speed_dial", label: k.label ?? k.value ?? "", number: k.value ?? "" };
    case "park":
      return { ...base, kind: "park", label: k.label ?? "Park", code: k.value ?? codes.park };
    case "feature": {
      // intercom / directed pickup name their extension (`intercom:105`); a stored bare one would
      // dial a code that does nothing alone, so it is not rendered.
      const parsed = parseFeatureValue(k.value);
      if (!parsed) return null;
      const { feature, extension } = parsed;
      const label = k.label ?? (extension ? `${FEATURE_LABELS[feature]} ${extension}` : FEATURE_LABELS[feature]);
      return { ...base, kind: "feature", label, feature, code: `${codes[feature]}${extension ?? ""}` };
    }
  }
}

/** The device's config-file password when its tenant encrypts configs and its vendor can (config-encryption.ts). */
async function configFilePassword(q: Query, deps: ResolveDeps, device: DeviceRow, tenant: Tenant): Promise<{ configFilePassword?: string }> {
  if (!tenant.configEncryption || !deviceEncrypts(deps.vendors, device)) return {};
  const key = await readConfigKeyIn(q, deps.secrets, device.id);
  return key === null ? {} : { configFilePassword: key };
}

/** Numbers of the tenant's disabled extensions (rare: only queried when there are any). */
async function numbersOf(q: Query, tenantId: number, ids: ReadonlySet<number>): Promise<ReadonlySet<string>> {
  if (ids.size === 0) return new Set();
  const { extensions: e } = q.t;
  const rows = await q.db.select({ id: e.id, number: e.number }).from(e).where(eq(e.tenantId, tenantId));
  return new Set(rows.filter((r) => ids.has(r.id)).map((r) => r.number));
}

/** The resolver reads the database and asks the vendor adapters what they support (encryption). */
type ResolveDeps = ServiceDeps & { readonly vendors: readonly Vendor[] };

/*
 * The resolver's reads, prepared once per connection (preparedPerQuery): every render runs them.
 * A device's keys come from src/services/key-expansion.ts, the one reader of stored keys.
 */
const reads = preparedPerQuery((q) => {
  const { deviceLines: dl, extensions: e, extensionSettings: s, featureCodes: fc, disabledExtensions: de, deviceEventSecrets: es, firmwarePins: fp, firmwareImages: fi } = q.t;
  return {
    featureCodes: q.db.select().from(fc).where(eq(fc.tenantId, sql.placeholder("tenantId"))).prepare(),
    // Every disabled extension, whatever its tenant: the table holds a handful of rows, while joining
    // it to `extensions` by tenant walked all of a large tenant's extensions on every render (the
    // largest cost in a bench:boot CPU profile). Extension ids are unique across tenants.
    disabled: q.db.select({ id: de.extensionId }).from(de).prepare(),
    // The device's lines in order, each extension with its settings row (none: the defaults).
    lines: q.db
      .select({ index: dl.lineIndex, ext: e, settings: s })
      .from(dl)
      .innerJoin(e, eq(e.id, dl.extensionId))
      .leftJoin(s, eq(s.extensionId, e.id))
      .where(eq(dl.deviceId, sql.placeholder("deviceId")))
      .orderBy(asc(dl.lineIndex))
      .prepare(),
    eventSecret: q.db.select({ secretEnc: es.secretEnc }).from(es).where(eq(es.deviceId, sql.placeholder("deviceId"))).prepare(),
    pinned: q.db
      .select({ image: fi })
      .from(fp)
      .innerJoin(fi, eq(fi.id, fp.firmwareId))
      .where(and(eq(fp.tenantId, sql.placeholder("tenantId")), eq(fp.vendor, sql.placeholder("vendor")), eq(fp.model, sql.placeholder("model"))))
      .prepare(),
  };
});

/**
 * Resolves a device's vendor-neutral configuration from the database, in the read `q` (on SQLite
 * or PostgreSQL). Reads only; `now` fixes the time-zone rules to the current year.
 */
export async function resolvePhoneConfig(q: Query, deps: ResolveDeps, device: DeviceRow, tenant: Tenant, publicUrl: string, now: Date): Promise<PhoneConfig> {
  const r = reads(q);
  const codes = featureCodesFrom(await r.featureCodes.execute({ tenantId: tenant.id }));
  // A disabled extension (force-unregister with `disable`) keeps its assignments but is not rendered.
  const disabled: ReadonlySet<number> = new Set((await r.disabled.execute()).map((d) => d.id));
  const lineRows = (await r.lines.execute({ deviceId: device.id })).filter((l) => !disabled.has(l.ext.id));
  const baseUrl = withTrailingSlash(tenant.provisioningBaseUrl ?? publicUrl);
  const [secret] = await r.eventSecret.execute({ deviceId: device.id });
  const eventSecret = secret ? deps.secrets.open(secret.secretEnc) : null;
  const encryption = await configFilePassword(q, deps, device, tenant);
  const keys = await deviceKeyConfigs(q, device, codes, disabled);
  const [pin] = await r.pinned.execute({ tenantId: tenant.id, vendor: device.vendor, model: device.model });
  const firmware = firmwareTarget(pin?.image ?? null, baseUrl);
  return {
    device: {
      mac: device.mac as Mac,
      vendor: device.vendor,
      model: device.model,
      label: device.label,
      adminPassword: deps.secrets.open(device.adminPasswordEnc),
      expansionModules: device.expansionModules,
    },
    provisioning: {
      baseUrl,
      username: device.provUsername,
      password: deps.secrets.open(device.provPasswordEnc),
      resyncMinutes: tenant.resyncMinutes,
      ...encryption,
    },
    sip: {
      domain: tenant.sipDomain,
      server: { host: tenant.sipServerHost, port: tenant.sipServerPort, transport: tenant.sipTransport },
      outboundProxy: tenant.outboundProxyHost
        ? { host: tenant.outboundProxyHost, port: tenant.outboundProxyPort ?? 5060 }
        : null,
      registerExpires: tenant.registerExpires,
    },
    time: { zone: describeTimeZone(tenant.timeZone, now), ntpServers: tenant.ntpServers },
    lines: lineRows.map((r) => toLine(deps, r.index, r.ext, r.settings, codes)),
    keys,
    softkeys: STANDARD_SOFTKEYS.map((s) => ({ feature: s.feature, label: s.label, code: codes[s.feature] })),
    featureCodes: codes,
    events: eventSecret ? { url: `${baseUrl}events/${device.mac}/${eventSecret}` } : null,
    firmware,
  };
}

function firmwareTarget(image: FirmwareRow | null, baseUrl: string): FirmwareTarget | null {
  if (!image) return null;
  return { version: image.version, fileName: image.fileName, originalName: image.originalName, url: `${baseUrl}${image.fileName}` };
}
