import { and, asc, eq } from "drizzle-orm";
import { first, type Query } from "../db/data.ts";
import type { ExtensionRow } from "../db/rows.ts";
import { conflict, notFound } from "../errors.ts";
import { auditChangeIn } from "./actor.ts";
import type { ServiceDeps } from "./deps.ts";
import { loadSettingsIn } from "./extension-settings/store.ts";
import { extensionAuditTarget, loadExtension } from "./extensions.ts";

/** "Configure phone numbers": a number belongs to one extension of the tenant. */

export async function phoneNumbersOfIn(q: Query, extensionId: number): Promise<string[]> {
  const { extensionPhoneNumbers: pn } = q.t;
  const rows = await q.db.select({ n: pn.phoneNumber }).from(pn).where(eq(pn.extensionId, extensionId)).orderBy(asc(pn.phoneNumber));
  return rows.map((r) => r.n);
}

/** An extension's phone numbers, read on their own. */
export function readPhoneNumbers(deps: ServiceDeps, tenant: string, number: string): Promise<string[]> {
  return deps.data.read(async (q) => phoneNumbersOfIn(q, (await loadExtension(q, tenant, number)).id));
}

async function audited(q: Query, deps: ServiceDeps, tenant: string, ext: ExtensionRow, before: string[]): Promise<string[]> {
  const after = await phoneNumbersOfIn(q, ext.id);
  await auditChangeIn(q, deps, { action: "extension.phone_numbers", ...extensionAuditTarget(tenant, ext), before: { phoneNumbers: before }, after: { phoneNumbers: after } });
  return after;
}

// Reads who owns the number, then inserts: serializable (the default), and the primary key
// (tenant, number) refuses a second owner whatever the level (docs/scale-out.md#transactions).
export function addPhoneNumber(deps: ServiceDeps, tenant: string, number: string, phoneNumber: string): Promise<string[]> {
  return deps.data.write(async (q) => {
    const { extensionPhoneNumbers: pn, extensions: e } = q.t;
    const ext = await loadExtension(q, tenant, number);
    const owner = first(
      await q.db
        .select({ ext: e.number })
        .from(pn)
        .innerJoin(e, eq(e.id, pn.extensionId))
        .where(and(eq(pn.tenantId, ext.tenantId), eq(pn.phoneNumber, phoneNumber)))
        .limit(1),
    );
    if (owner) throw conflict(`number: ${phoneNumber} already belongs to extension ${owner.ext}`);
    const before = await phoneNumbersOfIn(q, ext.id);
    await q.db.insert(pn).values({ tenantId: ext.tenantId, phoneNumber, extensionId: ext.id });
    return audited(q, deps, tenant, ext, before);
  });
}

/** Refused while the number is the extension's presentation number. Serializable (the default): the check reads the settings it protects. */
export function removePhoneNumber(deps: ServiceDeps, tenant: string, number: string, phoneNumber: string): Promise<string[]> {
  return deps.data.write(async (q) => {
    const { extensionPhoneNumbers: pn } = q.t;
    const ext = await loadExtension(q, tenant, number);
    const before = await phoneNumbersOfIn(q, ext.id);
    if (!before.includes(phoneNumber)) throw notFound(`${phoneNumber.slice(0, 24)} is not a phone number of extension ${number}`);
    if ((await loadSettingsIn(q, ext)).numberSettings.presentationNumber === phoneNumber) {
      throw conflict(`${phoneNumber} is the presentation number of extension ${number}; choose another in number-settings first`);
    }
    await q.db.delete(pn).where(and(eq(pn.extensionId, ext.id), eq(pn.phoneNumber, phoneNumber)));
    return audited(q, deps, tenant, ext, before);
  });
}
