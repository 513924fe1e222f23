import type { Tenant as TenantRow, ExtensionRow } from "../db/rows.ts";
import { createHash } from "node:crypto";
import { and, count, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { deviceLines, disabledExtensions, extensions, tenants } from "../db/schema.ts";
import { notFound } from "../errors.ts";
import type { SecretBox } from "../secrets.ts";
import { loadSettings } from "../services/extension-settings/store.ts";
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

/** The credential of one extension row (the caller read it in its transaction). */
export function credentialOf(db: Db, secrets: SecretBox, tenant: TenantRow, ext: ExtensionRow): SipCredential {
  const password = secrets.open(ext.sipPasswordEnc);
  const disabled = db.select().from(disabledExtensions).where(eq(disabledExtensions.extensionId, ext.id)).get();
  const phones = db.select({ n: count() }).from(deviceLines).where(eq(deviceLines.extensionId, ext.id)).get()?.n ?? 0;
  const pinEnc = loadSettings(db, ext).voicemail.pinEnc;
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
    voicemailNumber: ext.voicemailNumber ?? getFeatureCodes({ db }, tenant.id).voicemail,
    voicemailPin: pinEnc === null ? null : secrets.open(pinEnc),
    enabled: !disabled,
    phones,
    registerExpires: tenant.registerExpires,
  };
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
