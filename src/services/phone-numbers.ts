import { and, asc, eq } from "drizzle-orm";
import { writeTransaction, type Db } from "../db/client.ts";
import { extensionPhoneNumbers, extensions } from "../db/schema.ts";
import { conflict, notFound } from "../errors.ts";
import type { ServiceDeps } from "./deps.ts";
import { loadSettings } from "./extension-settings/store.ts";
import { auditChange } from "./actor.ts";
import { extensionAuditTarget, getExtension } from "./extensions.ts";
import type { ExtensionRow } from "../db/rows.ts";

/** "Configure phone numbers": a number belongs to one extension of the tenant. */

export function phoneNumbersOf(db: Db, extensionId: number): string[] {
  return db
    .select({ n: extensionPhoneNumbers.phoneNumber })
    .from(extensionPhoneNumbers)
    .where(eq(extensionPhoneNumbers.extensionId, extensionId))
    .orderBy(asc(extensionPhoneNumbers.phoneNumber))
    .all()
    .map((r) => r.n);
}

function audited(deps: ServiceDeps, tx: Db, tenant: string, ext: ExtensionRow, before: string[]): string[] {
  const after = phoneNumbersOf(tx, ext.id);
  auditChange(tx, deps, { action: "extension.phone_numbers", ...extensionAuditTarget(tenant, ext), before: { phoneNumbers: before }, after: { phoneNumbers: after } });
  return after;
}

export function addPhoneNumber(deps: ServiceDeps, tenant: string, number: string, phoneNumber: string): string[] {
  return writeTransaction(deps.db, (tx) => {
    const ext = getExtension({ ...deps, db: tx }, tenant, number);
    const owner = tx
      .select({ ext: extensions.number })
      .from(extensionPhoneNumbers)
      .innerJoin(extensions, eq(extensions.id, extensionPhoneNumbers.extensionId))
      .where(and(eq(extensionPhoneNumbers.tenantId, ext.tenantId), eq(extensionPhoneNumbers.phoneNumber, phoneNumber)))
      .get();
    if (owner) throw conflict(`number: ${phoneNumber} already belongs to extension ${owner.ext}`);
    const before = phoneNumbersOf(tx, ext.id);
    tx.insert(extensionPhoneNumbers).values({ tenantId: ext.tenantId, phoneNumber, extensionId: ext.id }).run();
    return audited(deps, tx, tenant, ext, before);
  });
}

/** Refused while the number is the extension's presentation number. */
export function removePhoneNumber(deps: ServiceDeps, tenant: string, number: string, phoneNumber: string): string[] {
  return writeTransaction(deps.db, (tx) => {
    const ext = getExtension({ ...deps, db: tx }, tenant, number);
    if (!phoneNumbersOf(tx, ext.id).includes(phoneNumber)) throw notFound(`${phoneNumber.slice(0, 24)} is not a phone number of extension ${number}`);
    if (loadSettings(tx, ext).numberSettings.presentationNumber === phoneNumber) {
      throw conflict(`${phoneNumber} is the presentation number of extension ${number}; choose another in number-settings first`);
    }
    const before = phoneNumbersOf(tx, ext.id);
    tx.delete(extensionPhoneNumbers).where(and(eq(extensionPhoneNumbers.extensionId, ext.id), eq(extensionPhoneNumbers.phoneNumber, phoneNumber))).run();
    return audited(deps, tx, tenant, ext, before);
  });
}
