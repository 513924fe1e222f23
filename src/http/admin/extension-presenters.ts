import type { Db } from "../../db/client.ts";
import type { SecretBox } from "../../secrets.ts";
import { allowedDeviceMacs } from "../../services/extension-settings/sections.ts";
import type { ExtensionSettings } from "../../services/extension-settings/store.ts";
import type { ExtensionRow } from "../../db/rows.ts";

/** JSON of the allowed-endpoints section; the third-party SIP password only for admins. */
export function presentEndpoints(db: Db, secrets: SecretBox, ext: ExtensionRow, s: ExtensionSettings, withSecrets: boolean) {
  const a = s.allowedEndpoints;
  const tp = a.thirdPartySoftphone;
  return {
    softphone: a.softphone,
    mobileApp: a.mobileApp,
    thirdPartySoftphone: {
      allowed: tp.allowed,
      sipUsername: tp.sipUsername,
      ...(withSecrets ? { sipPassword: tp.sipPasswordEnc ? secrets.open(tp.sipPasswordEnc) : null } : {}),
    },
    ipPhone: { allowed: a.ipPhone.allowed, devices: allowedDeviceMacs(db, ext, s) },
  };
}

/** JSON of the voicemail section; the PIN only for admins. */
export function presentVoicemail(secrets: SecretBox, s: ExtensionSettings, withSecrets: boolean) {
  const { pinEnc, ...rest } = s.voicemail;
  return { ...rest, ...(withSecrets ? { pin: pinEnc === null ? null : secrets.open(pinEnc) } : {}) };
}
