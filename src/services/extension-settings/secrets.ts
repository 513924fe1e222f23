import { writeTransaction, type Db } from "../../db/client.ts";
import type { SecretBox } from "../../secrets.ts";
import type { ExtensionSettings } from "./store.ts";

/**
 * The secrets of an extension's settings: the third-party softphone's SIP password and the voicemail
 * PIN. Both are sealed in `*_enc` columns of extension_settings (so `secrets rotate` re-encrypts
 * them), shown to admins only, never copied by "duplicate", masked in the audit log.
 */
export function openSettingsSecrets(secrets: SecretBox, s: ExtensionSettings): { thirdPartySipPassword: string | null; voicemailPin: string | null } {
  const tp = s.allowedEndpoints.thirdPartySoftphone.sipPasswordEnc;
  const pin = s.voicemail.pinEnc;
  return { thirdPartySipPassword: tp === null ? null : secrets.open(tp), voicemailPin: pin === null ? null : secrets.open(pin) };
}

/**
 * Voicemail PINs written before they were sealed sit in the clear in the voicemail JSON: seal them
 * into `voicemail_pin_enc` and drop them from the JSON. Runs at every start (like the event
 * secrets); a no-op once done.
 */
export function sealPlainVoicemailPins(deps: { db: Db; secrets: SecretBox }): number {
  const c = deps.db.$client;
  const rows = c.prepare("select extension_id as id, json_extract(voicemail, '$.pin') as pin from extension_settings where json_extract(voicemail, '$.pin') is not null").all() as { id: number; pin: string | number }[];
  if (!rows.length) return 0;
  const update = c.prepare("update extension_settings set voicemail_pin_enc = ?, voicemail = json_remove(voicemail, '$.pin') where extension_id = ?");
  writeTransaction(deps.db, () => {
    for (const r of rows) update.run(deps.secrets.seal(String(r.pin)), r.id);
  });
  return rows.length;
}
