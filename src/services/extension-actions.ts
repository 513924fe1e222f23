import { eq } from "drizzle-orm";
import { conflict } from "../errors.ts";
import { randomInt } from "node:crypto";
import { randomPassword } from "../secrets.ts";
import type { ServiceDeps } from "./deps.ts";
import { loadSettingsIn, saveSettingsIn, usernameOwnerIn } from "./extension-settings/store.ts";
import { auditChangeIn } from "./actor.ts";
import { recordExtensionChangeIn } from "../pbx/changes.ts";
import { extensionAuditTarget, findExtension, loadExtension } from "./extensions.ts";
import { requireAllowedNumberIn } from "./numbering-checks.ts";
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
// Checks that the new number and username are free, then copies: serializable on PostgreSQL (the
// default), so two copies to one number cannot both pass the checks (docs/scale-out.md#transactions).
export function duplicateExtension(
  deps: ServiceDeps,
  tenantName: string,
  number: string,
  input: { number: string; username?: string | undefined },
): Promise<ExtensionRow> {
  const now = deps.clock().getTime();
  return deps.data.write(async (q) => {
    const { extensions, extensionGroupMembers: gm, extensionAllowedDevices: ad } = q.t;
    const src = await loadExtension(q, tenantName, number);
    if (await findExtension(q, src.tenantId, input.number)) {
      throw conflict(`number: extension ${input.number} already exists in tenant ${tenantName}`);
    }
    await requireAllowedNumberIn(q, src.tenantId, input.number);
    const username = input.username ?? input.number;
    const owner = await usernameOwnerIn(q, src.tenantId, username, -1);
    if (owner) throw conflict(`username: ${username} is already used by extension ${owner}`);
    const [copy] = await q.db
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
      .returning();
    const s = await loadSettingsIn(q, src);
    await saveSettingsIn(q, copy!, {
      ...s,
      username,
      profile: { ...s.profile, username },
      // A presentation number is one of the original's numbers, which stay with the original.
      numberSettings: { ...s.numberSettings, presentationNumber: null, shortNumber: null },
      allowedEndpoints: { ...s.allowedEndpoints, thirdPartySoftphone: { allowed: false, sipUsername: null, sipPasswordEnc: null } },
      // A PIN is a secret too: the copy gets a new random one of the same length (admins read it).
      voicemail: { ...s.voicemail, pinEnc: s.voicemail.pinEnc === null ? null : deps.secrets.seal(newPin(deps.secrets.open(s.voicemail.pinEnc))) },
    });
    const groups = await q.db.select().from(gm).where(eq(gm.extensionId, src.id));
    if (groups.length) await q.db.insert(gm).values(groups.map((m) => ({ groupId: m.groupId, extensionId: copy!.id })));
    const allowed = await q.db.select().from(ad).where(eq(ad.extensionId, src.id));
    if (allowed.length) await q.db.insert(ad).values(allowed.map((d) => ({ extensionId: copy!.id, deviceId: d.deviceId })));
    await auditChangeIn(q, deps, { action: "extension.duplicate", ...extensionAuditTarget(tenantName, copy!), after: copy, detail: `copy of extension ${src.number}` });
    await recordExtensionChangeIn(q, deps, "extension.created", copy!);
    return copy!;
  });
}
