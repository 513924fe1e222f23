import type { Data } from "../../src/db/data.ts";
import type { DeviceRow, ExtensionRow, Tenant } from "../../src/db/rows.ts";
import { defaultSettings, type ExtensionSettings } from "../../src/services/extension-settings/store.ts";
import type { ServiceDeps } from "../../src/services/deps.ts";
import { newDeviceSecrets } from "../../src/services/devices.ts";
import { parseMac } from "../../src/domain/mac.ts";

/**
 * Rows for tests of the device, group and key-layout services on the asynchronous handle, written
 * through `data.write` so that the same seed runs on SQLite and PostgreSQL (test/helpers/data-dialects.ts).
 */
const AT = Date.parse("2026-12-01T10:00:00Z");

export async function addTenant(data: Data, name = "acme.example"): Promise<Tenant> {
  return data.write(async (q) => {
    const [row] = await q.db.insert(q.t.tenants).values({ name, sipDomain: name, sipServerHost: `pbx.${name}`, createdAt: AT, updatedAt: AT }).returning();
    return row!;
  });
}

export async function addExtension(deps: ServiceDeps, tenantId: number, number: string, displayName = `User ${number}`): Promise<ExtensionRow> {
  return deps.data.write(async (q) => {
    const [row] = await q.db
      .insert(q.t.extensions)
      .values({ tenantId, number, displayName, sipUser: number, authUser: number, sipPasswordEnc: deps.secrets.seal(`pw-${number}`), createdAt: AT, updatedAt: AT })
      .returning();
    return row!;
  });
}

/** A settings row for `ext`: the defaults, changed by `edit` (say, monitoring refused). */
export async function addSettings(data: Data, ext: ExtensionRow, edit: (s: ExtensionSettings) => ExtensionSettings): Promise<void> {
  const s = edit(defaultSettings(ext.number));
  const { sipPasswordEnc: _p, ...thirdParty } = s.allowedEndpoints.thirdPartySoftphone;
  const { pinEnc: _pin, ...voicemail } = s.voicemail;
  await data.write(async (q) => {
    await q.db.insert(q.t.extensionSettings).values({
      extensionId: ext.id,
      tenantId: ext.tenantId,
      username: s.profile.username,
      profile: s.profile,
      numberSettings: s.numberSettings,
      allowedEndpoints: { ...s.allowedEndpoints, thirdPartySoftphone: thirdParty },
      voicemail,
      callWaiting: s.callWaiting,
      monitoring: s.monitoring,
      forwarding: s.forwarding,
    });
  });
}

export async function addDevice(deps: ServiceDeps, tenantId: number, mac: string, model = "T54W", vendor: DeviceRow["vendor"] = "yealink"): Promise<DeviceRow> {
  const m = parseMac(mac)!;
  return deps.data.write(async (q) => {
    const [row] = await q.db
      .insert(q.t.devices)
      .values({ mac: m, vendor, model, tenantId, ...newDeviceSecrets(deps, m), createdAt: AT, updatedAt: AT })
      .returning();
    return row!;
  });
}
