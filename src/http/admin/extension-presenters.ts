import type { SecretBox } from "../../secrets.ts";
import type { SettingsView } from "../../services/extension-settings/sections.ts";
import type { ExtensionSettings } from "../../services/extension-settings/store.ts";

/** JSON of the allowed-endpoints section; the third-party SIP password only for admins. */
export function presentEndpoints(secrets: SecretBox, v: Pick<SettingsView, "settings" | "allowedDevices">, withSecrets: boolean) {
  const a = v.settings.allowedEndpoints;
  const tp = a.thirdPartySoftphone;
  return {
    softphone: a.softphone,
    mobileApp: a.mobileApp,
    thirdPartySoftphone: {
      allowed: tp.allowed,
      sipUsername: tp.sipUsername,
      ...(withSecrets ? { sipPassword: tp.sipPasswordEnc ? secrets.open(tp.sipPasswordEnc) : null } : {}),
    },
    ipPhone: { allowed: a.ipPhone.allowed, devices: v.allowedDevices },
  };
}

/** JSON of the voicemail section; the PIN only for admins. */
export function presentVoicemail(secrets: SecretBox, s: ExtensionSettings, withSecrets: boolean) {
  const { pinEnc, ...rest } = s.voicemail;
  return { ...rest, ...(withSecrets ? { pin: pinEnc === null ? null : secrets.open(pinEnc) } : {}) };
}
