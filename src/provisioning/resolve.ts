import type { deviceKeys, extensions } from "../db/schema.ts";
import type { FeatureCodes, FeatureName } from "../domain/feature-codes.ts";
import { STANDARD_SOFTKEYS } from "../domain/feature-codes.ts";
import type { Mac } from "../domain/mac.ts";
import type { FirmwareTarget, KeyConfig, LineConfig, PhoneConfig } from "../domain/phone-config.ts";
import { pinnedFirmware } from "../firmware/catalogue.ts";
import { describeTimeZone } from "../domain/time-zone.ts";
import type { ServiceDeps } from "../services/deps.ts";
import type { DeviceRow } from "../services/devices.ts";
import { featureCodesFrom, type Tenant } from "../services/tenants.ts";
import { hotQueries } from "./hot-queries.ts";
import { withTrailingSlash } from "../config.ts";

type ExtensionRow = typeof extensions.$inferSelect;
type KeyRow = typeof deviceKeys.$inferSelect;

const FEATURE_LABELS: Partial<Record<FeatureName, string>> = Object.fromEntries(
  STANDARD_SOFTKEYS.map((s) => [s.feature, s.label]),
);

function toLine(deps: ServiceDeps, index: number, ext: ExtensionRow, codes: FeatureCodes): LineConfig {
  return {
    index,
    extension: ext.number,
    displayName: ext.displayName,
    label: ext.number,
    userName: ext.sipUser,
    authName: ext.authUser,
    password: deps.secrets.open(ext.sipPasswordEnc),
    voicemailNumber: ext.voicemailNumber ?? codes.voicemail,
  };
}

function toKey(row: KeyRow, target: ExtensionRow | null, codes: FeatureCodes): KeyConfig | null {
  const base = { index: row.keyIndex, line: row.lineIndex };
  switch (row.kind) {
    case "line":
      return { ...base, kind: "line", label: row.label ?? "" };
    case "blf": {
      if (!target) return null;
      const prefix = codes.directed_pickup;
      return {
        ...base,
        kind: "blf",
        label: row.label ?? target.displayName,
        target: target.number,
        pickupPrefix: prefix,
        pickupCode: `${prefix}${target.number}`,
      };
    }
    case "speed_dial":
      return { ...base, kind: "speed_dial", label: row.label ?? row.value ?? "", number: row.value ?? "" };
    case "park":
      return { ...base, kind: "park", label: row.label ?? "Park", code: row.value ?? codes.park };
    case "feature": {
      const feature = row.value as FeatureName;
      return { ...base, kind: "feature", label: row.label ?? FEATURE_LABELS[feature] ?? feature, feature, code: codes[feature] };
    }
  }
}

/**
 * Resolves a device's vendor-neutral configuration from the database. Reads only; `now` fixes
 * the time-zone rules to the current year.
 */
export function resolvePhoneConfig(
  deps: ServiceDeps,
  device: DeviceRow,
  tenant: Tenant,
  publicUrl: string,
  now: Date,
): PhoneConfig {
  const q = hotQueries(deps.db);
  const codes = featureCodesFrom(q.featureCodes.all({ tenantId: tenant.id }));
  const lineRows = q.lines.all({ deviceId: device.id });
  const keyRows = q.keys.all({ deviceId: device.id });
  return {
    device: {
      mac: device.mac as Mac,
      vendor: device.vendor,
      model: device.model,
      label: device.label,
      adminPassword: deps.secrets.open(device.adminPasswordEnc),
    },
    provisioning: {
      baseUrl: withTrailingSlash(tenant.provisioningBaseUrl ?? publicUrl),
      username: device.provUsername,
      password: deps.secrets.open(device.provPasswordEnc),
      resyncMinutes: tenant.resyncMinutes,
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
    lines: lineRows.map((r) => toLine(deps, r.index, r.ext, codes)),
    keys: keyRows.map((r) => toKey(r.key, r.target, codes)).filter((k): k is KeyConfig => k !== null),
    softkeys: STANDARD_SOFTKEYS.map((s) => ({ feature: s.feature, label: s.label, code: codes[s.feature] })),
    featureCodes: codes,
    firmware: firmwareTarget(deps, tenant.id, device, withTrailingSlash(tenant.provisioningBaseUrl ?? publicUrl)),
  };
}

function firmwareTarget(deps: ServiceDeps, tenantId: number, device: DeviceRow, baseUrl: string): FirmwareTarget | null {
  const image = pinnedFirmware(deps.db, tenantId, device.vendor, device.model);
  if (!image) return null;
  return { version: image.version, fileName: image.fileName, originalName: image.originalName, url: `${baseUrl}${image.fileName}` };
}
