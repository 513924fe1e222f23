import { and, eq, isNull, ne } from "drizzle-orm";
import { first, type Query } from "../../db/data.ts";
import {
  CallWaitingInput,
  ForwardingInput,
  MonitoringInput,
  NumberSettingsInput,
  VoicemailInput,
  type CallWaiting,
  type Forwarding,
  type Monitoring,
  type NumberSettings,
  type Profile,
  type Voicemail,
} from "./schemas.ts";
import type { ExtensionRow, ExtensionSettingsRow } from "../../db/rows.ts";

/** Allowed endpoints as stored: the third-party password sealed, IP-phone devices in their own table. */
export interface StoredEndpoints {
  readonly softphone: { readonly allowed: boolean; readonly client: "basic" | "operator_console" | null };
  readonly mobileApp: boolean;
  readonly thirdPartySoftphone: { readonly allowed: boolean; readonly sipUsername: string | null; readonly sipPasswordEnc: string | null };
  /** `restricted`: only the devices listed in extension_allowed_devices; otherwise any device of the tenant. */
  readonly ipPhone: { readonly allowed: boolean; readonly restricted: boolean };
}

/** Voicemail as stored: the PIN sealed (its own `*_enc` column). */
export type StoredVoicemail = Omit<Voicemail, "pin"> & { readonly pinEnc: string | null };

export interface ExtensionSettings {
  readonly username: string;
  readonly profile: Profile;
  readonly numberSettings: NumberSettings;
  readonly allowedEndpoints: StoredEndpoints;
  readonly voicemail: StoredVoicemail;
  readonly callWaiting: CallWaiting;
  readonly monitoring: Monitoring;
  readonly forwarding: Forwarding;
}

export type SectionName = Exclude<keyof ExtensionSettings, "username">;

/**
 * What a new extension starts with: username = the number, role `user`, presence and monitoring
 * allowed (so BLF keys work as before), voicemail on, calls queued (call waiting), no forwarding.
 */
export function defaultSettings(number: string): ExtensionSettings {
  return {
    username: number,
    profile: { username: number, fullName: null, authentication: "single_step", personalContact: null, loginAllowed: true, role: "user" },
    numberSettings: NumberSettingsInput.parse({}),
    allowedEndpoints: {
      softphone: { allowed: false, client: null },
      mobileApp: false,
      thirdPartySoftphone: { allowed: false, sipUsername: null, sipPasswordEnc: null },
      ipPhone: { allowed: true, restricted: false },
    },
    voicemail: storedVoicemail(VoicemailInput.parse({}), null),
    callWaiting: CallWaitingInput.parse({ maxWaitingCalls: 5, maxSimultaneousCalls: 2 }),
    monitoring: MonitoringInput.parse({}),
    forwarding: ForwardingInput.parse({}),
  };
}

/** A voicemail section with its PIN replaced by the sealed one. */
export function storedVoicemail(v: Voicemail, pinEnc: string | null): StoredVoicemail {
  const { pin: _plain, ...rest } = v;
  return { ...rest, pinEnc };
}

// The sealed secrets live in their own columns; the JSON sections are stored without them
// (the column types of extension_settings, src/db/schema.ts).
export type EndpointsJson = Omit<StoredEndpoints, "thirdPartySoftphone"> & { readonly thirdPartySoftphone: Omit<StoredEndpoints["thirdPartySoftphone"], "sipPasswordEnc"> };
export type VoicemailJson = Omit<StoredVoicemail, "pinEnc">;

/** A settings row as the sections (store-sync.ts reads the same rows). */
export function settingsFromRow(row: ExtensionSettingsRow): ExtensionSettings {
  const endpoints = row.allowedEndpoints;
  return {
    username: row.username,
    profile: row.profile,
    numberSettings: row.numberSettings,
    allowedEndpoints: { ...endpoints, thirdPartySoftphone: { ...endpoints.thirdPartySoftphone, sipPasswordEnc: row.thirdPartySipPasswordEnc } },
    voicemail: { ...row.voicemail, pinEnc: row.voicemailPinEnc },
    callWaiting: row.callWaiting,
    monitoring: row.monitoring,
    forwarding: row.forwarding,
  };
}

/** An extension's settings; an extension made before the settings existed reads as the defaults. */
export async function loadSettingsIn(q: Query, ext: Pick<ExtensionRow, "id" | "number">): Promise<ExtensionSettings> {
  const row = first(await q.db.select().from(q.t.extensionSettings).where(eq(q.t.extensionSettings.extensionId, ext.id)).limit(1));
  return row ? settingsFromRow(row) : defaultSettings(ext.number);
}

/** What other writers must respect (src/services/endpoint-policy.ts), from a settings row or the defaults. */
export interface SettingsPolicy {
  readonly ipPhone: StoredEndpoints["ipPhone"];
  readonly blf: Pick<ExtensionSettings, "numberSettings" | "monitoring">;
}

export function policyOf(number: string, row: Pick<ExtensionSettingsRow, "allowedEndpoints" | "numberSettings" | "monitoring"> | null): SettingsPolicy {
  if (!row) {
    const d = defaultSettings(number);
    return { ipPhone: d.allowedEndpoints.ipPhone, blf: d };
  }
  return { ipPhone: row.allowedEndpoints.ipPhone, blf: { numberSettings: row.numberSettings, monitoring: row.monitoring } };
}

/** Writes the whole settings row (insert or replace), inside the change's `data.write`. */
export async function saveSettingsIn(q: Query, ext: Pick<ExtensionRow, "id" | "tenantId">, s: ExtensionSettings): Promise<void> {
  const values = settingsValues(ext, s);
  await q.db.insert(q.t.extensionSettings).values(values).onConflictDoUpdate({ target: q.t.extensionSettings.extensionId, set: values });
}

/** The settings row's columns: the sealed secrets in their own columns, the JSON sections without them. */
export function settingsValues(ext: Pick<ExtensionRow, "id" | "tenantId">, s: ExtensionSettings) {
  const { sipPasswordEnc, ...thirdParty } = s.allowedEndpoints.thirdPartySoftphone;
  const { pinEnc, ...voicemail } = s.voicemail;
  return {
    extensionId: ext.id,
    tenantId: ext.tenantId,
    username: s.profile.username,
    profile: s.profile,
    numberSettings: s.numberSettings,
    allowedEndpoints: { ...s.allowedEndpoints, thirdPartySoftphone: thirdParty } satisfies EndpointsJson,
    voicemail,
    thirdPartySipPasswordEnc: sipPasswordEnc,
    voicemailPinEnc: pinEnc,
    callWaiting: s.callWaiting,
    monitoring: s.monitoring,
    forwarding: s.forwarding,
  };
}

/** Usernames are unique per tenant; an extension without a settings row goes by its number. */
export async function usernameOwnerIn(q: Query, tenantId: number, username: string, exceptId: number): Promise<string | null> {
  const { extensionSettings: es, extensions: e } = q.t;
  const row = first(
    await q.db
      .select({ number: e.number })
      .from(es)
      .innerJoin(e, eq(e.id, es.extensionId))
      .where(and(eq(es.tenantId, tenantId), eq(es.username, username), ne(es.extensionId, exceptId)))
      .limit(1),
  );
  if (row) return row.number;
  const bare = first(
    await q.db
      .select({ number: e.number })
      .from(e)
      .leftJoin(es, eq(es.extensionId, e.id))
      .where(and(eq(e.tenantId, tenantId), eq(e.number, username), ne(e.id, exceptId), isNull(es.extensionId)))
      .limit(1),
  );
  return bare?.number ?? null;
}
