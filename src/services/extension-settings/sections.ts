import { and, eq } from "drizzle-orm";
import { first, type Query } from "../../db/data.ts";
import type { ExtensionRow } from "../../db/rows.ts";
import { blfRefusalFor } from "../../domain/key-expansion.ts";
import { conflict, invalidInput } from "../../errors.ts";
import type { SecretBox } from "../../secrets.ts";
import { auditChangeIn } from "../actor.ts";
import type { ServiceDeps } from "../deps.ts";
import { requireMac } from "../devices.ts";
import { lineRefusalIn } from "../endpoint-policy.ts";
import { devicesShowingExtensionIn, layoutsWatchingExtensionIn, type ExtensionShownOn } from "../extension-usage.ts";
import { extensionAuditTarget, loadExtension } from "../extensions.ts";
import { assertKeysFit } from "../key-checks.ts";
import { devicesUsingGroup } from "../key-expansion.ts";
import type { AllowedEndpointsInput, CallWaiting, Forwarding, Monitoring, NumberSettings, Profile, Voicemail } from "./schemas.ts";
import { loadSettingsIn, saveSettingsIn, storedVoicemail, usernameOwnerIn, type ExtensionSettings, type SectionName, type StoredEndpoints } from "./store.ts";

/*
 * Reads and replaces the guide's sections of one extension; every write is one `data.write`
 * (serializable on PostgreSQL: each reads the row it replaces and what its checks depend on).
 * The CSV import (src/onboarding/extension-import.ts) reads and writes profile, voicemail and number
 * settings inside its own `data.write`, through the `...In(q, ...)` forms.
 */

/** An extension with its settings, and the MACs of `ipPhone.devices` (null when any device is allowed). */
export interface SettingsView {
  readonly ext: ExtensionRow;
  readonly settings: ExtensionSettings;
  readonly allowedDevices: string[] | null;
}

type Mutator = (q: Query, ext: ExtensionRow, current: ExtensionSettings) => Promise<ExtensionSettings>;

/** A section as the audit log keeps it: allowed endpoints with their devices and the password only as set or not. */
function auditView(s: ExtensionSettings, section: SectionName, allowedDevices: string[] | null): unknown {
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
    ipPhone: { allowed: s.allowedEndpoints.ipPhone.allowed, devices: allowedDevices },
  };
}

/** The audit action of a section's change: `extension.number_settings`. */
const sectionAction = (section: SectionName) => `extension.${section.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;

async function updateSettingsIn(q: Query, deps: ServiceDeps, tenant: string, number: string, section: SectionName, mutate: Mutator): Promise<SettingsView> {
  const ext = await loadExtension(q, tenant, number);
  const current = await loadSettingsIn(q, ext);
  const before = auditView(current, section, section === "allowedEndpoints" ? await allowedDeviceMacsIn(q, ext, current) : null);
  const settings = await mutate(q, ext, current);
  await saveSettingsIn(q, ext, settings);
  await q.db.update(q.t.extensions).set({ updatedAt: deps.clock().getTime() }).where(eq(q.t.extensions.id, ext.id));
  const allowedDevices = await allowedDeviceMacsIn(q, ext, settings);
  await auditChangeIn(q, deps, { action: sectionAction(section), ...extensionAuditTarget(tenant, ext), before, after: auditView(settings, section, allowedDevices) });
  return { ext, settings, allowedDevices };
}

function updateSettings(deps: ServiceDeps, tenant: string, number: string, section: SectionName, mutate: Mutator): Promise<SettingsView> {
  return deps.data.write((q) => updateSettingsIn(q, deps, tenant, number, section, mutate));
}

/** readSettings in the caller's `data.read` or `data.write`. */
export async function readSettingsIn(q: Query, tenant: string, number: string): Promise<SettingsView> {
  const ext = await loadExtension(q, tenant, number);
  const settings = await loadSettingsIn(q, ext);
  return { ext, settings, allowedDevices: await allowedDeviceMacsIn(q, ext, settings) };
}

export function readSettings(deps: ServiceDeps, tenant: string, number: string): Promise<SettingsView> {
  return deps.data.read((q) => readSettingsIn(q, tenant, number));
}

const usernameTaken = (username: string, owner: string) => conflict(`username: ${username} is already used by extension ${owner}`);

/** The settings with a new profile (the username is kept in its own column too). */
const withProfile = (s: ExtensionSettings, profile: Profile): ExtensionSettings => ({ ...s, username: profile.username, profile });

const profileMutator =
  (profile: Profile): Mutator =>
  async (q, ext, s) => {
    const owner = await usernameOwnerIn(q, ext.tenantId, profile.username, ext.id);
    if (owner) throw usernameTaken(profile.username, owner);
    return withProfile(s, profile);
  };

/** putProfile in the caller's `data.write` (the CSV import's). */
export function putProfileIn(q: Query, deps: ServiceDeps, tenant: string, number: string, profile: Profile): Promise<SettingsView> {
  return updateSettingsIn(q, deps, tenant, number, "profile", profileMutator(profile));
}

export function putProfile(deps: ServiceDeps, tenant: string, number: string, profile: Profile): Promise<SettingsView> {
  return updateSettings(deps, tenant, number, "profile", profileMutator(profile));
}

/** Devices and layouts whose keys watch the extension directly (extension-usage.ts), as the refusal names them. */
function watcherNames(shownOn: readonly ExtensionShownOn[], layouts: readonly string[]): string[] {
  return [...shownOn.filter((d) => d.key).map((d) => `device ${d.device.mac}`), ...layouts.map((name) => `key layout "${name}"`)];
}

function watchersRefusal(field: string, reason: string, watchers: readonly string[]): Error {
  return invalidInput(`${field}: ${reason}, but BLF keys on ${watchers.join(", ")} watch it; remove those keys first`);
}

/** Presence or monitoring switched off while BLF keys watch the extension: refused, naming them. */
async function checkWatchers(q: Query, ext: ExtensionRow, next: Pick<ExtensionSettings, "numberSettings" | "monitoring">, field: string): Promise<void> {
  const reason = blfRefusalFor(ext.number, next);
  if (!reason) return;
  const w = watcherNames(await devicesShowingExtensionIn(q, ext.id), await layoutsWatchingExtensionIn(q, ext.id));
  if (w.length) throw watchersRefusal(field, reason, w);
}

/**
 * Presence or monitoring switched back on makes the extension reappear in the group expansions of
 * the phones watching its groups: those must still fit. Saves first so the check sees the new state.
 */
async function recheckGroupKeys(q: Query, ext: ExtensionRow, next: ExtensionSettings, field: string): Promise<ExtensionSettings> {
  await saveSettingsIn(q, ext, next);
  const { extensionGroupMembers: gm } = q.t;
  const devices = new Set<number>();
  for (const r of await q.db.select({ g: gm.groupId }).from(gm).where(eq(gm.extensionId, ext.id))) {
    for (const id of await devicesUsingGroup(q, r.g)) devices.add(id);
  }
  await assertKeysFit(q, [...devices], field);
  return next;
}

const notOwnPhoneNumber = (ext: ExtensionRow, phoneNumber: string) =>
  invalidInput(`presentationNumber: ${phoneNumber} is not one of extension ${ext.number}'s phone numbers`);

const numberSettingsMutator =
  (input: NumberSettings): Mutator =>
  async (q, ext, s) => {
    if (input.presentationNumber !== null) {
      const { extensionPhoneNumbers: pn } = q.t;
      const own = first(await q.db.select().from(pn).where(and(eq(pn.extensionId, ext.id), eq(pn.phoneNumber, input.presentationNumber))).limit(1));
      if (!own) throw notOwnPhoneNumber(ext, input.presentationNumber);
    }
    await checkWatchers(q, ext, { numberSettings: input, monitoring: s.monitoring }, "presence");
    return recheckGroupKeys(q, ext, { ...s, numberSettings: input }, "presence");
  };

/** putNumberSettings in the caller's `data.write` (the CSV import's). */
export function putNumberSettingsIn(q: Query, deps: ServiceDeps, tenant: string, number: string, input: NumberSettings): Promise<SettingsView> {
  return updateSettingsIn(q, deps, tenant, number, "numberSettings", numberSettingsMutator(input));
}

export function putNumberSettings(deps: ServiceDeps, tenant: string, number: string, input: NumberSettings): Promise<SettingsView> {
  return updateSettings(deps, tenant, number, "numberSettings", numberSettingsMutator(input));
}

export function putMonitoring(deps: ServiceDeps, tenant: string, number: string, input: Monitoring): Promise<SettingsView> {
  return updateSettings(deps, tenant, number, "monitoring", async (q, ext, s) => {
    await checkWatchers(q, ext, { numberSettings: s.numberSettings, monitoring: input }, "allowMonitoring");
    return recheckGroupKeys(q, ext, { ...s, monitoring: input }, "allowMonitoring");
  });
}

/** The settings with a new voicemail section, its PIN sealed. */
const withVoicemail = (secrets: SecretBox, s: ExtensionSettings, input: Voicemail): ExtensionSettings => ({
  ...s,
  voicemail: storedVoicemail(input, input.pin === null ? null : secrets.seal(input.pin)),
});

/** putVoicemail in the caller's `data.write` (the CSV import's). */
export function putVoicemailIn(q: Query, deps: ServiceDeps, tenant: string, number: string, input: Voicemail): Promise<SettingsView> {
  return updateSettingsIn(q, deps, tenant, number, "voicemail", async (_q, _ext, s) => withVoicemail(deps.secrets, s, input));
}

export function putVoicemail(deps: ServiceDeps, tenant: string, number: string, input: Voicemail): Promise<SettingsView> {
  return deps.data.write((q) => putVoicemailIn(q, deps, tenant, number, input));
}

export function putCallWaiting(deps: ServiceDeps, tenant: string, number: string, input: CallWaiting): Promise<SettingsView> {
  return updateSettings(deps, tenant, number, "callWaiting", async (_q, _ext, s) => ({ ...s, callWaiting: input }));
}

export function putForwarding(deps: ServiceDeps, tenant: string, number: string, input: Forwarding): Promise<SettingsView> {
  return updateSettings(deps, tenant, number, "forwarding", async (_q, _ext, s) => ({ ...s, forwarding: input }));
}

export function putAllowedEndpoints(deps: ServiceDeps, tenant: string, number: string, input: AllowedEndpointsInput): Promise<SettingsView> {
  return updateSettings(deps, tenant, number, "allowedEndpoints", async (q, ext, s) => {
    const { devices: d, extensionAllowedDevices: a } = q.t;
    const ids: number[] = [];
    for (const [i, m] of (input.ipPhone.devices ?? []).entries()) {
      const mac = requireMac(m);
      const device = first(await q.db.select().from(d).where(eq(d.mac, mac)).limit(1));
      if (!device || device.tenantId !== ext.tenantId) throw invalidInput(`ipPhone.devices[${i}]: no device ${mac} in this extension's tenant`);
      ids.push(device.id);
    }
    await q.db.delete(a).where(eq(a.extensionId, ext.id));
    if (ids.length) await q.db.insert(a).values([...new Set(ids)].map((deviceId) => ({ extensionId: ext.id, deviceId })));
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
    await saveSettingsIn(q, ext, next);
    await checkCarriers(q, ext);
    return next;
  });
}

/** After a change of allowed endpoints, every phone carrying the extension must still be allowed. */
async function checkCarriers(q: Query, ext: ExtensionRow): Promise<void> {
  const { deviceLines: dl, devices: d } = q.t;
  const carriers = await q.db.selectDistinct({ id: d.id, mac: d.mac }).from(dl).innerJoin(d, eq(d.id, dl.deviceId)).where(eq(dl.extensionId, ext.id));
  for (const c of carriers) {
    const reason = await lineRefusalIn(q, ext, c.id, c.mac);
    if (reason) throw invalidInput(`ipPhone: ${reason}, but it is on a line of ${c.mac}; remove it from that phone first`);
  }
}

/** MACs listed in ipPhone.devices (null when any device is allowed). */
export async function allowedDeviceMacsIn(q: Query, ext: Pick<ExtensionRow, "id">, s: ExtensionSettings): Promise<string[] | null> {
  if (!s.allowedEndpoints.ipPhone.restricted) return null;
  const { extensionAllowedDevices: a, devices: d } = q.t;
  const rows = await q.db.select({ mac: d.mac }).from(a).innerJoin(d, eq(d.id, a.deviceId)).where(eq(a.extensionId, ext.id)).orderBy(d.mac);
  return rows.map((r) => r.mac);
}
