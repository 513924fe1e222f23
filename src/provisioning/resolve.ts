import { deviceEncrypts, readConfigKey } from "./config-encryption.ts";
import { eq } from "drizzle-orm";
import { extensions as extensionsTable } from "../db/schema.ts";
import type { FeatureCodes } from "../domain/feature-codes.ts";
import { FEATURE_LABELS, parseFeatureValue, STANDARD_SOFTKEYS } from "../domain/feature-codes.ts";
import type { Mac } from "../domain/mac.ts";
import type { FirmwareTarget, KeyConfig, LineConfig, PhoneConfig } from "../domain/phone-config.ts";
import { pinnedFirmware } from "../firmware/catalogue.ts";
import { describeTimeZone } from "../domain/time-zone.ts";
import type { ServiceDeps } from "../services/deps.ts";
import type { Vendor } from "../vendors/vendor.ts";
import { featureCodesFrom } from "../domain/feature-codes.ts";
import { hotQueries } from "./hot-queries.ts";
import { withTrailingSlash } from "../config.ts";
import { eventSecretOf } from "../registrations/event-secrets.ts";
import { disabledExtensionIds } from "../registrations/disabled-extensions.ts";
import { keyLimitsOf } from "../services/device-rules.ts";
import type { CallWaiting, NumberSettings, Voicemail } from "../services/extension-settings/schemas.ts";
import { defaultSettings } from "../services/extension-settings/store.ts";
import { expandDeviceKeysSync, readDeviceKeysSync } from "../services/key-expansion-sync.ts";
import type { ExpandedKey } from "../domain/key-expansion.ts";
import type { DeviceRow, Tenant, ExtensionRow, ExtensionSettingsRow as SettingsRow } from "../db/rows.ts";




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
function deviceKeyConfigs(deps: ServiceDeps, device: DeviceRow, codes: FeatureCodes, disabled: ReadonlySet<number>): KeyConfig[] {
  const read = readDeviceKeysSync(deps.db, device.id);
  const keys: Omit<ExpandedKey, "group" | "source">[] = [];
  if (read.composed) {
    const disabledNumbers = numbersOf(deps, device.tenantId, disabled);
    for (const k of expandDeviceKeysSync(deps.db, device, keyLimitsOf(device), read).keys) if (!(k.kind === "blf" && disabledNumbers.has(k.value!))) keys.push(k);
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
function configFilePassword(deps: ResolveDeps, device: DeviceRow, tenant: Tenant): { configFilePassword?: string } {
  if (!tenant.configEncryption || !deviceEncrypts(deps.vendors, device)) return {};
  const key = readConfigKey(deps, device.id);
  return key === null ? {} : { configFilePassword: key };
}

/** Numbers of the tenant's disabled extensions (rare: only queried when there are any). */
function numbersOf(deps: ServiceDeps, tenantId: number, ids: ReadonlySet<number>): ReadonlySet<string> {
  if (ids.size === 0) return new Set();
  const rows = deps.db.select({ id: extensionsTable.id, number: extensionsTable.number }).from(extensionsTable).where(eq(extensionsTable.tenantId, tenantId)).all();
  return new Set(rows.filter((r) => ids.has(r.id)).map((r) => r.number));
}

/** The resolver reads the database and asks the vendor adapters what they support (encryption). */
type ResolveDeps = ServiceDeps & { readonly vendors: readonly Vendor[] };

/**
 * Resolves a device's vendor-neutral configuration from the database. Reads only; `now` fixes
 * the time-zone rules to the current year.
 */
export function resolvePhoneConfig(
  deps: ResolveDeps,
  device: DeviceRow,
  tenant: Tenant,
  publicUrl: string,
  now: Date,
): PhoneConfig {
  const q = hotQueries(deps.db);
  const codes = featureCodesFrom(q.featureCodes.all({ tenantId: tenant.id }));
  // A disabled extension (force-unregister with `disable`) keeps its assignments but is not rendered.
  const disabled = disabledExtensionIds(deps.db);
  const lineRows = q.lines.all({ deviceId: device.id }).filter((r) => !disabled.has(r.ext.id));
  const baseUrl = withTrailingSlash(tenant.provisioningBaseUrl ?? publicUrl);
  const eventSecret = eventSecretOf(deps, device.id);
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
      ...configFilePassword(deps, device, tenant),
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
    keys: deviceKeyConfigs(deps, device, codes, disabled),
    softkeys: STANDARD_SOFTKEYS.map((s) => ({ feature: s.feature, label: s.label, code: codes[s.feature] })),
    featureCodes: codes,
    events: eventSecret ? { url: `${baseUrl}events/${device.mac}/${eventSecret}` } : null,
    firmware: firmwareTarget(deps, tenant.id, device, withTrailingSlash(tenant.provisioningBaseUrl ?? publicUrl)),
  };
}

function firmwareTarget(deps: ServiceDeps, tenantId: number, device: DeviceRow, baseUrl: string): FirmwareTarget | null {
  const image = pinnedFirmware(deps.db, tenantId, device.vendor, device.model);
  if (!image) return null;
  return { version: image.version, fileName: image.fileName, originalName: image.originalName, url: `${baseUrl}${image.fileName}` };
}
