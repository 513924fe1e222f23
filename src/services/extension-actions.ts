import { and, eq } from "drizzle-orm";
import { writeTransaction } from "../db/client.ts";
import { extensionAllowedDevices, extensionGroupMembers, extensions } from "../db/schema.ts";
import { conflict } from "../errors.ts";
import { randomInt } from "node:crypto";
import { randomPassword } from "../secrets.ts";
import type { ServiceDeps } from "./deps.ts";
import { loadSettings, saveSettings, usernameOwner } from "./extension-settings/store.ts";
import { auditChange } from "./actor.ts";
import { recordExtensionChange } from "../pbx/changes.ts";
import { extensionAuditTarget, getExtension } from "./extensions.ts";
import { requireAllowedNumber } from "./numbering-checks.ts";
import type { ExtensionRow } from "../db/rows.ts";

/** A new random PIN of the same length as `old`, never `old` itself. */
function newPin(old: string): string {
  for (;;) {
    const pin = Array.from({ length: old.length }, () => randomInt(10)).join("");
    if (pin !== old) return pin;
  }
}

/**
 * "Duplicate": a new extension with a new number, a new SIP password, third-party softphone
 * credentials not copied and a new random voicemail PIN (secrets are never shared), every other
 * setting copied (groups and allowed devices included). Phone numbers are not copied: a number
 * belongs to one extension. The SIP user and auth user follow the new number unless they differed
 * from the number on the original.
 */
export function duplicateExtension(
  deps: ServiceDeps,
  tenantName: string,
  number: string,
  input: { number: string; username?: string | undefined },
): ExtensionRow {
  const now = deps.clock().getTime();
  return writeTransaction(deps.db, (tx) => {
    const src = getExtension({ ...deps, db: tx }, tenantName, number);
    if (tx.select().from(extensions).where(and(eq(extensions.tenantId, src.tenantId), eq(extensions.number, input.number))).get()) {
      throw conflict(`number: extension ${input.number} already exists in tenant ${tenantName}`);
    }
    requireAllowedNumber(tx, src.tenantId, input.number);
    const username = input.username ?? input.number;
    const owner = usernameOwner(tx, src.tenantId, username, -1);
    if (owner) throw conflict(`username: ${username} is already used by extension ${owner}`);
    const copy = tx
      .insert(extensions)
      .values({
        tenantId: src.tenantId,
        number: input.number,
        displayName: src.displayName,
        sipUser: src.sipUser === src.number ? input.number : `${src.sipUser}-${input.number}`,
        authUser: src.authUser === src.number ? input.number : `${src.authUser}-${input.number}`,
        sipPasswordEnc: deps.secrets.seal(randomPassword()),
        voicemailNumber: src.voicemailNumber,
        createdAt: now,
        updatedAt: now,
      })
      .returning()
      .get();
    const s = loadSettings(tx, src);
    saveSettings(tx, copy, {
      ...s,
      username,
      profile: { ...s.profile, username },
      // A presentation number is one of the original's numbers, which stay with the original.
      numberSettings: { ...s.numberSettings, presentationNumber: null, shortNumber: null },
      allowedEndpoints: { ...s.allowedEndpoints, thirdPartySoftphone: { allowed: false, sipUsername: null, sipPasswordEnc: null } },
      // A PIN is a secret too: the copy gets a new random one of the same length (admins read it).
      voicemail: { ...s.voicemail, pinEnc: s.voicemail.pinEnc === null ? null : deps.secrets.seal(newPin(deps.secrets.open(s.voicemail.pinEnc))) },
    });
    for (const m of tx.select().from(extensionGroupMembers).where(eq(extensionGroupMembers.extensionId, src.id)).all()) {
      tx.insert(extensionGroupMembers).values({ groupId: m.groupId, extensionId: copy.id }).run();
    }
    for (const d of tx.select().from(extensionAllowedDevices).where(eq(extensionAllowedDevices.extensionId, src.id)).all()) {
      tx.insert(extensionAllowedDevices).values({ extensionId: copy.id, deviceId: d.deviceId }).run();
    }
    auditChange(tx, deps, { action: "extension.duplicate", ...extensionAuditTarget(tenantName, copy), after: copy, detail: `copy of extension ${src.number}` });
    recordExtensionChange(tx, deps, "extension.created", copy);
    return copy;
  });
}
