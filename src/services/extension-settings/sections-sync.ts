import { and, eq } from "drizzle-orm";
import { writeTransaction, type Db } from "../../db/client.ts";
import type { ExtensionRow } from "../../db/rows.ts";
import { extensionGroupMembers, extensionPhoneNumbers, extensions } from "../../db/schema.ts";
import { blfRefusalFor } from "../../domain/key-expansion.ts";
import { auditChange } from "../actor.ts";
import type { ServiceDeps } from "../deps.ts";
import { devicesShowingExtensionSync, layoutsWatchingExtensionSync } from "../extension-usage-sync.ts";
import { extensionAuditTarget, getExtension } from "../extensions.ts";
import { assertKeysFitSync } from "../key-checks-sync.ts";
import { devicesUsingGroupSync } from "../key-expansion-sync.ts";
import type { NumberSettings, Profile, Voicemail } from "./schemas.ts";
import { auditView, notOwnPhoneNumber, sectionAction, usernameTaken, watcherNames, watchersRefusal, withProfile, withVoicemail } from "./sections.ts";
import type { ExtensionSettings, SectionName } from "./store.ts";
import { loadSettingsSync, saveSettingsSync, usernameOwnerSync } from "./store-sync.ts";

/**
 * The sections the CSV import (src/onboarding/extension-import.ts) reads and writes inside its
 * synchronous transaction (`deps.db` is its `tx`): profile, voicemail and number settings, until the
 * import moves to the asynchronous handle (docs/scale-out.md#status). The checks, messages and audit
 * rows are sections.ts's; only the queries are here.
 */

type ImportedSection = Exclude<SectionName, "allowedEndpoints">;
type Mutator = (tx: Db, ext: ExtensionRow, current: ExtensionSettings) => ExtensionSettings;

function updateSettingsSync(deps: ServiceDeps, tenant: string, number: string, section: ImportedSection, mutate: Mutator): { ext: ExtensionRow; settings: ExtensionSettings } {
  return writeTransaction(deps.db, (tx) => {
    const ext = getExtension({ ...deps, db: tx }, tenant, number);
    const current = loadSettingsSync(tx, ext);
    const before = auditView(current, section, null);
    const settings = mutate(tx, ext, current);
    saveSettingsSync(tx, ext, settings);
    tx.update(extensions).set({ updatedAt: deps.clock().getTime() }).where(eq(extensions.id, ext.id)).run();
    auditChange(tx, deps, { action: sectionAction(section), ...extensionAuditTarget(tenant, ext), before, after: auditView(settings, section, null) });
    return { ext, settings };
  });
}

export function readSettingsSync(deps: ServiceDeps, tenant: string, number: string): { ext: ExtensionRow; settings: ExtensionSettings } {
  const ext = getExtension(deps, tenant, number);
  return { ext, settings: loadSettingsSync(deps.db, ext) };
}

export function putProfileSync(deps: ServiceDeps, tenant: string, number: string, profile: Profile) {
  return updateSettingsSync(deps, tenant, number, "profile", (tx, ext, s) => {
    const owner = usernameOwnerSync(tx, ext.tenantId, profile.username, ext.id);
    if (owner) throw usernameTaken(profile.username, owner);
    return withProfile(s, profile);
  });
}

export function putVoicemailSync(deps: ServiceDeps, tenant: string, number: string, input: Voicemail) {
  return updateSettingsSync(deps, tenant, number, "voicemail", (_tx, _ext, s) => withVoicemail(deps.secrets, s, input));
}

export function putNumberSettingsSync(deps: ServiceDeps, tenant: string, number: string, input: NumberSettings) {
  return updateSettingsSync(deps, tenant, number, "numberSettings", (tx, ext, s) => {
    if (input.presentationNumber !== null) {
      const own = tx
        .select()
        .from(extensionPhoneNumbers)
        .where(and(eq(extensionPhoneNumbers.extensionId, ext.id), eq(extensionPhoneNumbers.phoneNumber, input.presentationNumber)))
        .get();
      if (!own) throw notOwnPhoneNumber(ext, input.presentationNumber);
    }
    const reason = blfRefusalFor(ext.number, { numberSettings: input, monitoring: s.monitoring });
    if (reason) {
      const w = watcherNames(devicesShowingExtensionSync(tx, ext.id), layoutsWatchingExtensionSync(tx, ext.id));
      if (w.length) throw watchersRefusal("presence", reason, w);
    }
    const next = { ...s, numberSettings: input };
    // Presence back on: the phones watching the extension's groups must still fit (saved first, as sections.ts does).
    saveSettingsSync(tx, ext, next);
    const groups = tx.select({ g: extensionGroupMembers.groupId }).from(extensionGroupMembers).where(eq(extensionGroupMembers.extensionId, ext.id)).all();
    assertKeysFitSync(tx, [...new Set(groups.flatMap((r) => devicesUsingGroupSync(tx, r.g)))], "presence");
    return next;
  });
}
