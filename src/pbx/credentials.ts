import type { Tenant as TenantRow, ExtensionRow } from "../db/rows.ts";
import { createHash } from "node:crypto";
import { and, count, eq, inArray } from "drizzle-orm";
import { first, type Data, type Query } from "../db/data.ts";
import { featureCodesFrom } from "../domain/feature-codes.ts";
import { notFound } from "../errors.ts";
import type { SecretBox } from "../secrets.ts";
import { loadSettingsIn } from "../services/extension-settings/store.ts";


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

/** What a credential is made of besides the rows: read by each form (here and credentials-sync.ts) in its own transaction. */
export interface CredentialFacts {
  readonly disabled: boolean;
  readonly phones: number;
  readonly pinEnc: string | null;
  readonly voicemailCode: string;
}

export function shapeCredential(secrets: SecretBox, tenant: TenantRow, ext: ExtensionRow, f: CredentialFacts): SipCredential {
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

/** The credential of one extension row, read in the caller's `data.read` or `data.write` (e.g. the Kamailio subscriber rows). */
export async function credentialOfIn(q: Query, secrets: SecretBox, tenant: TenantRow, ext: ExtensionRow): Promise<SipCredential> {
  const { disabledExtensions: de, deviceLines: dl, featureCodes: fc } = q.t;
  const disabled = first(await q.db.select({ id: de.extensionId }).from(de).where(eq(de.extensionId, ext.id)).limit(1));
  const phones = first(await q.db.select({ n: count().mapWith(Number) }).from(dl).where(eq(dl.extensionId, ext.id)))?.n ?? 0;
  // The tenant's star codes over the defaults, as getFeatureCodes reads them (feature-codes.ts).
  const codes = featureCodesFrom(await q.db.select().from(fc).where(eq(fc.tenantId, tenant.id)));
  return shapeCredential(secrets, tenant, ext, { disabled: !!disabled, phones, pinEnc: (await loadSettingsIn(q, ext)).voicemail.pinEnc, voicemailCode: codes.voicemail });
}

async function tenantNamedIn(q: Query, name: string): Promise<TenantRow> {
  const t = first(await q.db.select().from(q.t.tenants).where(eq(q.t.tenants.name, name)).limit(1));
  if (!t) throw notFound(`no tenant named ${name.slice(0, 64)}`);
  return t;
}

/** Every extension of a tenant, by number. */
export function tenantCredentials(deps: { data: Data; secrets: SecretBox }, tenantName: string): Promise<SipCredential[]> {
  return deps.data.read(async (q) => {
    const tenant = await tenantNamedIn(q, tenantName);
    const out: SipCredential[] = [];
    for (const e of await q.db.select().from(q.t.extensions).where(eq(q.t.extensions.tenantId, tenant.id)).orderBy(q.t.extensions.number)) {
      out.push(await credentialOfIn(q, deps.secrets, tenant, e));
    }
    return out;
  });
}

export function extensionCredential(deps: { data: Data; secrets: SecretBox }, tenantName: string, number: string): Promise<SipCredential> {
  return deps.data.read(async (q) => {
    const tenant = await tenantNamedIn(q, tenantName);
    const { extensions: ex } = q.t;
    const ext = first(await q.db.select().from(ex).where(and(eq(ex.tenantId, tenant.id), eq(ex.number, number))).limit(1));
    if (!ext) throw notFound(`no extension ${number.slice(0, 32)} in tenant ${tenantName.slice(0, 64)}`);
    return credentialOfIn(q, deps.secrets, tenant, ext);
  });
}

/** Credentials of the extensions with these ids (any tenant), for the PBX sync, in the caller's `data.write`. */
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
