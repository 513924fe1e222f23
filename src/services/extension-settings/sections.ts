import { and, eq } from "drizzle-orm";
import { writeTransaction, type Db } from "../../db/client.ts";
import {
  deviceLines,
  devices,
  extensionAllowedDevices,
  extensionGroupMembers,
  extensionPhoneNumbers,
  extensions,
} from "../../db/schema.ts";
import { assertKeysFitSync } from "../key-checks-sync.ts";
import { devicesShowingExtension, layoutsWatchingExtension } from "../extension-usage.ts";
import { devicesUsingGroupSync } from "../key-expansion-sync.ts";
import { conflict, invalidInput } from "../../errors.ts";
import type { ServiceDeps } from "../deps.ts";
import { requireMac } from "../devices.ts";
import { lineRefusal } from "../endpoint-policy-sync.ts";
import { blfRefusalFor } from "../../domain/key-expansion.ts";
import { auditChange } from "../actor.ts";
import { extensionAuditTarget, getExtension } from "../extensions.ts";
import type { AllowedEndpointsInput, CallWaiting, Forwarding, Monitoring, NumberSettings, Profile, Voicemail } from "./schemas.ts";
import { loadSettings, saveSettings, storedVoicemail, usernameOwner, type ExtensionSettings, type SectionName, type StoredEndpoints } from "./store.ts";
import type { ExtensionRow } from "../../db/rows.ts";

/** Reads and replaces the guide's sections of one extension; every write is one transaction. */

type Mutator = (tx: Db, ext: ExtensionRow, current: ExtensionSettings) => ExtensionSettings;

/** A section as the audit log keeps it: allowed endpoints with their devices and the password only as set or not. */
function auditView(tx: Db, ext: ExtensionRow, s: ExtensionSettings, section: SectionName): unknown {
  if (section === "voicemail") {
    const { pinEnc, ...rest } = s.voicemail;
    return { ...rest, pin: pinEnc ? "set" : null };
  }
  if (section !== "allowedEndpoints") return s[section];
  const { thirdPartySoftphone: t, ...rest } = s.allowedEndpoints;
  return {
    ...rest,
    // "set" is masked by the audit log ("***"); the ciphertext never goes there.
    thirdPartySoftphone: { allowed: t.allowed, sipUsername: t.sipUsername, sipPassword: t.sipPasswordEnc ? "set" : null },
    ipPhone: { allowed: s.allowedEndpoints.ipPhone.allowed, devices: allowedDeviceMacs(tx, ext, s) },
  };
}

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function updateSettings(deps: ServiceDeps, tenant: string, number: string, section: SectionName, mutate: Mutator): { ext: ExtensionRow; settings: ExtensionSettings } {
  return writeTransaction(deps.db, (tx) => {
    const ext = getExtension({ ...deps, db: tx }, tenant, number);
    const current = loadSettings(tx, ext);
    const before = auditView(tx, ext, current, section);
    const settings = mutate(tx, ext, current);
    saveSettings(tx, ext, settings);
    tx.update(extensions).set({ updatedAt: deps.clock().getTime() }).where(eq(extensions.id, ext.id)).run();
    const after = auditView(tx, ext, settings, section);
    auditChange(tx, deps, { action: `extension.${snake(section)}`, ...extensionAuditTarget(tenant, ext), before, after });
    return { ext, settings };
  });
}

export function readSettings(deps: ServiceDeps, tenant: string, number: string): { ext: ExtensionRow; settings: ExtensionSettings } {
  const ext = getExtension(deps, tenant, number);
  return { ext, settings: loadSettings(deps.db, ext) };
}

export function putProfile(deps: ServiceDeps, tenant: string, number: string, profile: Profile) {
  return updateSettings(deps, tenant, number, "profile", (tx, ext, s) => {
    const owner = usernameOwner(tx, ext.tenantId, profile.username, ext.id);
    if (owner) throw conflict(`username: ${profile.username} is already used by extension ${owner}`);
    return { ...s, username: profile.username, profile };
  });
}

/** Devices and layouts whose keys watch the extension directly (extension-usage.ts). */
function watchers(tx: Db, extId: number): string[] {
  const onDevices = devicesShowingExtension(tx, extId)
    .filter((d) => d.key)
    .map((d) => `device ${d.device.mac}`);
  return [...onDevices, ...layoutsWatchingExtension(tx, extId).map((name) => `key layout "${name}"`)];
}

/**
 * Presence or monitoring switched back on makes the extension reappear in the group expansions of
 * the phones watching its groups: those must still fit. Saves first so the check sees the new state.
 */
function recheckGroupKeys(tx: Db, ext: ExtensionRow, next: ExtensionSettings, field: string): ExtensionSettings {
  saveSettings(tx, ext, next);
  const groups = tx.select({ g: extensionGroupMembers.groupId }).from(extensionGroupMembers).where(eq(extensionGroupMembers.extensionId, ext.id)).all();
  assertKeysFitSync(tx, [...new Set(groups.flatMap((r) => devicesUsingGroupSync(tx, r.g)))], field);
  return next;
}

/** Presence or monitoring switched off while BLF keys watch the extension: refused, naming them. */
function checkWatchers(tx: Db, ext: ExtensionRow, next: Pick<ExtensionSettings, "numberSettings" | "monitoring">, field: string): void {
  const reason = blfRefusalFor(ext.number, next);
  if (!reason) return;
  const w = watchers(tx, ext.id);
  if (w.length) throw invalidInput(`${field}: ${reason}, but BLF keys on ${w.join(", ")} watch it; remove those keys first`);
}

export function putNumberSettings(deps: ServiceDeps, tenant: string, number: string, input: NumberSettings) {
  return updateSettings(deps, tenant, number, "numberSettings", (tx, ext, s) => {
    if (input.presentationNumber !== null) {
      const own = tx
        .select()
        .from(extensionPhoneNumbers)
        .where(and(eq(extensionPhoneNumbers.extensionId, ext.id), eq(extensionPhoneNumbers.phoneNumber, input.presentationNumber)))
        .get();
      if (!own) throw invalidInput(`presentationNumber: ${input.presentationNumber} is not one of extension ${ext.number}'s phone numbers`);
    }
    checkWatchers(tx, ext, { numberSettings: input, monitoring: s.monitoring }, "presence");
    return recheckGroupKeys(tx, ext, { ...s, numberSettings: input }, "presence");
  });
}

export function putMonitoring(deps: ServiceDeps, tenant: string, number: string, input: Monitoring) {
  return updateSettings(deps, tenant, number, "monitoring", (tx, ext, s) => {
    checkWatchers(tx, ext, { numberSettings: s.numberSettings, monitoring: input }, "allowMonitoring");
    return recheckGroupKeys(tx, ext, { ...s, monitoring: input }, "allowMonitoring");
  });
}

export function putVoicemail(deps: ServiceDeps, tenant: string, number: string, input: Voicemail) {
  return updateSettings(deps, tenant, number, "voicemail", (_tx, _ext, s) => ({ ...s, voicemail: storedVoicemail(input, input.pin === null ? null : deps.secrets.seal(input.pin)) }));
}

export function putCallWaiting(deps: ServiceDeps, tenant: string, number: string, input: CallWaiting) {
  return updateSettings(deps, tenant, number, "callWaiting", (_tx, _ext, s) => ({ ...s, callWaiting: input }));
}

export function putForwarding(deps: ServiceDeps, tenant: string, number: string, input: Forwarding) {
  return updateSettings(deps, tenant, number, "forwarding", (_tx, _ext, s) => ({ ...s, forwarding: input }));
}

export function putAllowedEndpoints(deps: ServiceDeps, tenant: string, number: string, input: AllowedEndpointsInput) {
  return updateSettings(deps, tenant, number, "allowedEndpoints", (tx, ext, s) => {
    const ids = (input.ipPhone.devices ?? []).map((m, i) => {
      const mac = requireMac(m);
      const d = tx.select().from(devices).where(eq(devices.mac, mac)).get();
      if (!d || d.tenantId !== ext.tenantId) throw invalidInput(`ipPhone.devices[${i}]: no device ${mac} in this extension's tenant`);
      return d.id;
    });
    tx.delete(extensionAllowedDevices).where(eq(extensionAllowedDevices.extensionId, ext.id)).run();
    if (ids.length) tx.insert(extensionAllowedDevices).values([...new Set(ids)].map((deviceId) => ({ extensionId: ext.id, deviceId }))).run();
    const t = input.thirdPartySoftphone;
    const stored: StoredEndpoints = {
      softphone: input.softphone,
      mobileApp: input.mobileApp,
      thirdPartySoftphone: {
        allowed: t.allowed,
        sipUsername: t.allowed ? t.sipUsername : null,
        sipPasswordEnc: t.allowed && t.sipPassword ? deps.secrets.seal(t.sipPassword) : null,
      },
      ipPhone: { allowed: input.ipPhone.allowed, restricted: input.ipPhone.allowed && input.ipPhone.devices !== null },
    };
    const next = { ...s, allowedEndpoints: stored };
    saveSettings(tx, ext, next);
    checkCarriers(tx, ext);
    return next;
  });
}

/** After a change of allowed endpoints, every phone carrying the extension must still be allowed. */
function checkCarriers(tx: Db, ext: ExtensionRow): void {
  const carriers = tx
    .selectDistinct({ id: devices.id, mac: devices.mac })
    .from(deviceLines)
    .innerJoin(devices, eq(devices.id, deviceLines.deviceId))
    .where(eq(deviceLines.extensionId, ext.id))
    .all();
  for (const d of carriers) {
    const reason = lineRefusal(tx, ext, d.id, d.mac);
    if (reason) throw invalidInput(`ipPhone: ${reason}, but it is on a line of ${d.mac}; remove it from that phone first`);
  }
}

/** MACs listed in ipPhone.devices (null when any device is allowed). */
export function allowedDeviceMacs(db: Db, ext: ExtensionRow, s: ExtensionSettings): string[] | null {
  if (!s.allowedEndpoints.ipPhone.restricted) return null;
  return db
    .select({ mac: devices.mac })
    .from(extensionAllowedDevices)
    .innerJoin(devices, eq(devices.id, extensionAllowedDevices.deviceId))
    .where(eq(extensionAllowedDevices.extensionId, ext.id))
    .orderBy(devices.mac)
    .all()
    .map((r) => r.mac);
}
