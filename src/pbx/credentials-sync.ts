import { count, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import type { ExtensionRow, Tenant as TenantRow } from "../db/rows.ts";
import { deviceLines, disabledExtensions, extensions, tenants } from "../db/schema.ts";
import type { SecretBox } from "../secrets.ts";
import { loadSettingsSync } from "../services/extension-settings/store-sync.ts";
import { getFeatureCodes } from "../services/feature-codes.ts";
import { shapeCredential, type SipCredential } from "./credentials.ts";

/**
 * The synchronous credential reader, kept for the Kamailio subscriber sync at start-up
 * (kamailio-db-sync.ts: createRuntime is synchronous); credentials.ts has the asynchronous forms.
 */
function credentialOf(db: Db, secrets: SecretBox, tenant: TenantRow, ext: ExtensionRow): SipCredential {
  return shapeCredential(secrets, tenant, ext, {
    disabled: !!db.select().from(disabledExtensions).where(eq(disabledExtensions.extensionId, ext.id)).get(),
    phones: db.select({ n: count() }).from(deviceLines).where(eq(deviceLines.extensionId, ext.id)).get()?.n ?? 0,
    pinEnc: loadSettingsSync(db, ext).voicemail.pinEnc,
    voicemailCode: getFeatureCodes({ db }, tenant.id).voicemail,
  });
}

/** Credentials of the extensions with these ids (any tenant), for the PBX sync. */
export function credentialsByIds(db: Db, secrets: SecretBox, ids: readonly number[]): { id: number; credential: SipCredential }[] {
  if (!ids.length) return [];
  return db
    .select({ ext: extensions, tenant: tenants })
    .from(extensions)
    .innerJoin(tenants, eq(tenants.id, extensions.tenantId))
    .where(inArray(extensions.id, [...ids]))
    .all()
    .map(({ ext, tenant }) => ({ id: ext.id, credential: credentialOf(db, secrets, tenant, ext) }));
}
