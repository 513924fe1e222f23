import type { Tenant as TenantRow, ExtensionRow } from "../db/rows.ts";
import { createHash } from "node:crypto";
import { and, count, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { first, type Query } from "../db/data.ts";
import { deviceLines, disabledExtensions, extensions, tenants } from "../db/schema.ts";
import { featureCodesFrom } from "../domain/feature-codes.ts";
import { notFound } from "../errors.ts";
import type { SecretBox } from "../secrets.ts";
import { loadSettingsIn } from "../services/extension-settings/store.ts";
import { loadSettingsSync } from "../services/extension-settings/store-sync.ts";
import { getFeatureCodes } from "../services/feature-codes.ts";


/** What a PBX needs to authenticate one extension, and to route to it. */
export interface SipCredential {
  readonly tenant: string;
  /** The SIP domain, which is also the digest realm the PBX challenges with. */
  readonly domain: string;
  readonly number: string;
  readonly displayName: string;
  /** The address-of-record user (`sip:<sipUser>@<domain>`). */
  readonly sipUser: string;
  /** The digest username the phones answer challenges with. */
  readonly authUser: string;
  readonly password: string;
  /** MD5(authUser:realm:password), RFC 2617 §3.2.2.2. */
  readonly ha1: string;
  /** MD5(authUser@domain:realm:password): Kamailio's `ha1b`, for phones that put the domain in the username. */
  readonly ha1b: string;
  /** The number that reaches voicemail (the extension's, else the tenant's `voicemail` code). */
  readonly voicemailNumber: string;
  /** The voicemail PIN, when one is set. */
  readonly voicemailPin: string | null;
  /** False while a force-unregister in `disable` mode holds it: a PBX must refuse it. */
  readonly enabled: boolean;
  /** Phones carrying it on a line: a PBX should allow that many contacts. */
  readonly phones: number;
  /** The tenant's registration interval in seconds. */
  readonly registerExpires: number;
}

const md5 = (s: string) => createHash("md5").update(s, "utf8").digest("hex");

/** HA1 per RFC 2617 §3.2.2.2 for a username, realm and password. */
export const digestHa1 = (user: string, realm: string, password: string): string => md5(`${user}:${realm}:${password}`);

/** What a credential is made of besides the rows: read by each form below in its own transaction. */
interface CredentialFacts {
  readonly disabled: boolean;
  readonly phones: number;
  readonly pinEnc: string | null;
  readonly voicemailCode: string;
}

function shapeCredential(secrets: SecretBox, tenant: TenantRow, ext: ExtensionRow, f: CredentialFacts): SipCredential {
  const password = secrets.open(ext.sipPasswordEnc);
  return {
    tenant: tenant.name,
    domain: tenant.sipDomain,
    number: ext.number,
    displayName: ext.displayName,
    sipUser: ext.sipUser,
    authUser: ext.authUser,
    password,
    ha1: digestHa1(ext.authUser, tenant.sipDomain, password),
    ha1b: digestHa1(`${ext.authUser}@${tenant.sipDomain}`, tenant.sipDomain, password),
    voicemailNumber: ext.voicemailNumber ?? f.voicemailCode,
    voicemailPin: f.pinEnc === null ? null : secrets.open(f.pinEnc),
    enabled: !f.disabled,
    phones: f.phones,
    registerExpires: tenant.registerExpires,
  };
}

/** The credential of one extension row (the caller read it in its transaction). */
export function credentialOf(db: Db, secrets: SecretBox, tenant: TenantRow, ext: ExtensionRow): SipCredential {
  return shapeCredential(secrets, tenant, ext, {
    disabled: !!db.select().from(disabledExtensions).where(eq(disabledExtensions.extensionId, ext.id)).get(),
    phones: db.select({ n: count() }).from(deviceLines).where(eq(deviceLines.extensionId, ext.id)).get()?.n ?? 0,
    pinEnc: loadSettingsSync(db, ext).voicemail.pinEnc,
    voicemailCode: getFeatureCodes({ db }, tenant.id).voicemail,
  });
}

/** credentialOf for converted code (inside the caller's `data.write`, e.g. the Kamailio subscriber rows). */
async function credentialOfIn(q: Query, secrets: SecretBox, tenant: TenantRow, ext: ExtensionRow): Promise<SipCredential> {
  const { disabledExtensions: de, deviceLines: dl, featureCodes: fc } = q.t;
  const disabled = first(await q.db.select({ id: de.extensionId }).from(de).where(eq(de.extensionId, ext.id)).limit(1));
  const phones = first(await q.db.select({ n: count().mapWith(Number) }).from(dl).where(eq(dl.extensionId, ext.id)))?.n ?? 0;
  // The tenant's star codes over the defaults, as getFeatureCodes reads them (feature-codes.ts).
  const codes = featureCodesFrom(await q.db.select().from(fc).where(eq(fc.tenantId, tenant.id)));
  return shapeCredential(secrets, tenant, ext, { disabled: !!disabled, phones, pinEnc: (await loadSettingsIn(q, ext)).voicemail.pinEnc, voicemailCode: codes.voicemail });
}

function tenantNamed(db: Db, name: string): TenantRow {
  const t = db.select().from(tenants).where(eq(tenants.name, name)).get();
  if (!t) throw notFound(`no tenant named ${name.slice(0, 64)}`);
  return t;
}

/** Every extension of a tenant, by number. */
export function tenantCredentials(deps: { db: Db; secrets: SecretBox }, tenantName: string): SipCredential[] {
  const tenant = tenantNamed(deps.db, tenantName);
  return deps.db
    .select()
    .from(extensions)
    .where(eq(extensions.tenantId, tenant.id))
    .orderBy(extensions.number)
    .all()
    .map((e) => credentialOf(deps.db, deps.secrets, tenant, e));
}

export function extensionCredential(deps: { db: Db; secrets: SecretBox }, tenantName: string, number: string): SipCredential {
  const tenant = tenantNamed(deps.db, tenantName);
  const ext = deps.db.select().from(extensions).where(and(eq(extensions.tenantId, tenant.id), eq(extensions.number, number))).get();
  if (!ext) throw notFound(`no extension ${number.slice(0, 32)} in tenant ${tenantName.slice(0, 64)}`);
  return credentialOf(deps.db, deps.secrets, tenant, ext);
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

/** credentialsByIds for converted code. */
export async function credentialsByIdsIn(q: Query, secrets: SecretBox, ids: readonly number[]): Promise<{ id: number; credential: SipCredential }[]> {
  if (!ids.length) return [];
  const rows = await q.db
    .select({ ext: q.t.extensions, tenant: q.t.tenants })
    .from(q.t.extensions)
    .innerJoin(q.t.tenants, eq(q.t.tenants.id, q.t.extensions.tenantId))
    .where(inArray(q.t.extensions.id, [...ids]))
    .orderBy(q.t.extensions.id);
  const out: { id: number; credential: SipCredential }[] = [];
  for (const { ext, tenant } of rows) out.push({ id: ext.id, credential: await credentialOfIn(q, secrets, tenant, ext) });
  return out;
}
