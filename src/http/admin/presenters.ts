import type { DeviceCredentials } from "../../services/devices.ts";
import type { DeviceRow, DiscoveredRow, ExtensionRow, Tenant } from "../../db/rows.ts";

/** JSON shapes of the admin API; secrets only where the caller passes them (admins). */

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function presentTenant(t: Tenant) {
  return {
    name: t.name,
    sipDomain: t.sipDomain,
    sipServerHost: t.sipServerHost,
    sipServerPort: t.sipServerPort,
    sipTransport: t.sipTransport,
    outboundProxyHost: t.outboundProxyHost,
    outboundProxyPort: t.outboundProxyPort,
    registerExpires: t.registerExpires,
    timeZone: t.timeZone,
    ntpServers: t.ntpServers,
    provisioningBaseUrl: t.provisioningBaseUrl,
    resyncMinutes: t.resyncMinutes,
    authMode: t.authMode,
    allowedNetworks: t.allowedNetworks,
    configEncryption: t.configEncryption,
    zeroTouch: t.zeroTouch,
    zeroTouchWindowSeconds: t.zeroTouchWindowSeconds,
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
  };
}

export function presentExtension(e: ExtensionRow, sipPassword: string | null) {
  return {
    number: e.number,
    displayName: e.displayName,
    sipUser: e.sipUser,
    authUser: e.authUser,
    voicemailNumber: e.voicemailNumber,
    ...(sipPassword !== null ? { sipPassword } : {}),
    createdAt: iso(e.createdAt),
    updatedAt: iso(e.updatedAt),
  };
}

export function presentDevice(d: DeviceRow, tenantName: string, credentials: DeviceCredentials | null) {
  return {
    mac: d.mac,
    vendor: d.vendor,
    model: d.model,
    tenant: tenantName,
    label: d.label,
    expansionModules: d.expansionModules,
    provisioningUsername: d.provUsername,
    ...(credentials ? { provisioningPassword: credentials.password, adminPassword: credentials.adminPassword } : {}),
    lastSeenAt: iso(d.lastSeenAt),
    lastIp: d.lastIp,
    lastUserAgent: d.lastUserAgent,
    lastFirmware: d.lastFirmware,
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
  };
}

export function presentDiscovered(d: DiscoveredRow) {
  return {
    mac: d.mac,
    vendor: d.vendor,
    model: d.model,
    firmware: d.firmware,
    userAgent: d.userAgent,
    lastFile: d.lastFile,
    sourceIp: d.sourceIp,
    transport: d.transport,
    requestCount: d.requestCount,
    firstSeenAt: iso(d.firstSeenAt),
    lastSeenAt: iso(d.lastSeenAt),
    dismissedAt: iso(d.dismissedAt),
  };
}
