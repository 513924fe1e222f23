import { timingSafeEqual, createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { writeTransaction, type Db } from "../db/client.ts";
import { hotDeskProfiles, keyLayouts } from "../db/schema.ts";
import type { ExtensionRow } from "../db/rows.ts";
import { invalidInput } from "../errors.ts";
import type { SecretBox } from "../secrets.ts";
import { auditChange } from "../services/actor.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { loadSettingsSync } from "../services/extension-settings/store-sync.ts";
import { getExtension } from "../services/extensions.ts";
import { findLayoutSync } from "../services/devices-sync.ts";
import { nonEmpty } from "../services/patch-schema.ts";
import { desksOfExtension } from "./desk-state.ts";

/** What an extension brings to a hot desk: its PIN and its keys (docs/hot-desking.md#the-persons-profile). */

export const HotDeskProfilePatch = nonEmpty(
  z.strictObject({
    pin: z.string().regex(/^\d{4,12}$/, "must be 4 to 12 digits (the phone's keypad types it), or null to use the voicemail PIN").nullable().optional(),
    layout: z.string("must be the name of a key layout of the tenant, or null for the desk's own keys").min(1).max(64).nullable().optional(),
  }),
  "pin, layout",
);

export interface HotDeskProfileView {
  readonly tenant: string;
  readonly extension: string;
  /** Which PIN signs this extension in: its hot-desk PIN, else its voicemail PIN; null = none, it cannot sign in by phone. */
  readonly pinSource: "hot-desk" | "voicemail" | null;
  readonly layout: string | null;
  /** Desks the extension is signed in at now. */
  readonly signedInAt: string[];
}

/** The PIN the extension signs in with: the hot-desk PIN when set, else the voicemail PIN. */
export function expectedPin(db: Db, secrets: SecretBox, ext: ExtensionRow): { pin: string; source: "hot-desk" | "voicemail" } | null {
  const own = db.select().from(hotDeskProfiles).where(eq(hotDeskProfiles.extensionId, ext.id)).get()?.pinEnc ?? null;
  if (own !== null) return { pin: secrets.open(own), source: "hot-desk" };
  const vm = loadSettingsSync(db, ext).voicemail.pinEnc;
  return vm === null ? null : { pin: secrets.open(vm), source: "voicemail" };
}

/** Constant-time comparison of the PIN typed and the PIN stored (hashes, so lengths need not match). */
export function pinMatches(typed: string, stored: string): boolean {
  const h = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(h(typed), h(stored));
}

function present(db: Db, secrets: SecretBox, tenant: string, ext: ExtensionRow): HotDeskProfileView {
  const row = db.select().from(hotDeskProfiles).where(eq(hotDeskProfiles.extensionId, ext.id)).get();
  const layout = row?.layoutId == null ? null : db.select().from(keyLayouts).where(eq(keyLayouts.id, row.layoutId)).get()?.name ?? null;
  return { tenant, extension: ext.number, pinSource: expectedPin(db, secrets, ext)?.source ?? null, layout, signedInAt: desksOfExtension(db, ext.id) };
}

export function getHotDeskProfile(deps: ServiceDeps, tenant: string, number: string): HotDeskProfileView {
  return present(deps.db, deps.secrets, tenant, getExtension(deps, tenant, number));
}

/** Sets the extension's hot-desk PIN and layout; the fields named change, the others stay. Applies at the next sign-in. */
export function updateHotDeskProfile(deps: ServiceDeps, tenant: string, number: string, body: unknown): HotDeskProfileView {
  const patch = HotDeskProfilePatch.parse(body);
  return writeTransaction(deps.db, (tx) => {
    const ext = getExtension({ ...deps, db: tx }, tenant, number);
    const before = tx.select().from(hotDeskProfiles).where(eq(hotDeskProfiles.extensionId, ext.id)).get() ?? { extensionId: ext.id, pinEnc: null, layoutId: null };
    let layoutId = before.layoutId;
    if (patch.layout !== undefined) {
      const l = patch.layout === null ? null : findLayoutSync(tx, ext.tenantId, patch.layout);
      if (patch.layout !== null && !l) throw invalidInput(`layout: no key layout "${patch.layout.slice(0, 64)}" in tenant ${tenant.slice(0, 64)}; list them with GET /api/v1/tenants/${tenant.slice(0, 64)}/key-layouts`);
      layoutId = l?.id ?? null;
    }
    const pinEnc = patch.pin === undefined ? before.pinEnc : patch.pin === null ? null : deps.secrets.seal(patch.pin);
    const row = { extensionId: ext.id, pinEnc, layoutId };
    tx.insert(hotDeskProfiles).values(row).onConflictDoUpdate({ target: hotDeskProfiles.extensionId, set: row }).run();
    const shown = (r: { pinEnc: string | null; layoutId: number | null }) => ({ pin: r.pinEnc === null ? null : "set", layoutId: r.layoutId });
    auditChange(tx, deps, { action: "hot_desk.profile", target: `extension:${tenant}/${ext.number}`, tenantId: ext.tenantId, extension: ext.number, before: shown(before), after: shown(row) });
    return present(tx, deps.secrets, tenant, ext);
  });
}
