import { and, eq, isNull, or } from "drizzle-orm";
import { first, type Query } from "../db/data.ts";
import type { portalUsers } from "../db/schema.ts";
import { conflict, invalidInput, notFound } from "../errors.ts";
import { auditChangeIn } from "../services/actor.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { loadSettingsIn } from "../services/extension-settings/store.ts";
import type { ROLES } from "../services/extension-settings/schemas.ts";

/** Portal accounts: system accounts (portal_users) and extension users (`username@tenant`). */

export const SYSTEM_ROLES = ["admin", "technician", "readonly"] as const;
export type SystemRole = (typeof SYSTEM_ROLES)[number];
export type ExtensionRole = (typeof ROLES)[number];

export interface SystemSubject {
  readonly kind: "system";
  readonly id: number;
  readonly username: string;
  readonly role: SystemRole;
  /** Tenant names; null = every tenant. */
  readonly tenants: readonly string[] | null;
  readonly email: string | null;
  readonly twoStep: boolean;
  readonly disabled: boolean;
  readonly passwordHash: string | null;
}

export interface ExtensionSubject {
  readonly kind: "extension";
  /** extensions.id */
  readonly id: number;
  /** What the user signs in with: `<username>@<tenant name>`. */
  readonly username: string;
  readonly tenant: string;
  readonly tenantId: number;
  readonly number: string;
  readonly role: ExtensionRole;
  readonly email: string | null;
  /** The profile's personal contact when it is a phone number (the second step then needs an SMS gateway). */
  readonly phone: string | null;
  readonly twoStep: boolean;
  /** `loginAllowed` false counts as disabled. */
  readonly disabled: boolean;
  readonly passwordHash: string | null;
}

export type Subject = SystemSubject | ExtensionSubject;

const USERNAME = /^[A-Za-z0-9._-]{1,64}$/;
const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;

export const audited = (s: Subject): string => (s.kind === "system" ? `user:${s.username}` : `extension-user:${s.username}`);

function systemSubject(row: typeof portalUsers.$inferSelect): SystemSubject {
  return {
    kind: "system",
    id: row.id,
    username: row.username,
    role: row.role,
    tenants: row.tenants ?? null,
    email: row.email,
    twoStep: row.twoStep,
    disabled: row.disabledAt !== null,
    passwordHash: row.passwordHash,
  };
}

async function extensionSubjectIn(q: Query, extId: number): Promise<ExtensionSubject | null> {
  const { extensions, tenants, extensionLogins } = q.t;
  const row = first(
    await q.db
      .select({ ext: extensions, tenant: tenants.name, hash: extensionLogins.passwordHash })
      .from(extensions)
      .innerJoin(tenants, eq(tenants.id, extensions.tenantId))
      .leftJoin(extensionLogins, eq(extensionLogins.extensionId, extensions.id))
      .where(eq(extensions.id, extId))
      .limit(1),
  );
  if (!row) return null;
  const s = await loadSettingsIn(q, row.ext);
  const contact = s.profile.personalContact;
  const isEmail = contact !== null && EMAIL.test(contact);
  return {
    kind: "extension",
    id: row.ext.id,
    username: `${s.username}@${row.tenant}`,
    tenant: row.tenant,
    tenantId: row.ext.tenantId,
    number: row.ext.number,
    role: s.profile.role,
    email: isEmail ? contact : null,
    phone: contact !== null && !isEmail ? contact : null,
    twoStep: s.profile.authentication === "two_step",
    disabled: !s.profile.loginAllowed,
    passwordHash: row.hash ?? null,
  };
}

/** The subject of a session or link: re-read every time, so a disabled account or a changed role applies at once. */
export function loadSubject(deps: Pick<ServiceDeps, "data">, kind: "system" | "extension", id: number): Promise<Subject | null> {
  return deps.data.read(async (q) => {
    if (kind === "extension") return extensionSubjectIn(q, id);
    const row = first(await q.db.select().from(q.t.portalUsers).where(eq(q.t.portalUsers.id, id)).limit(1));
    return row ? systemSubject(row) : null;
  });
}

/**
 * The account a sign-in name names: `name` is a system account; `username@tenant` an extension user,
 * the tenant given by its name or its SIP domain (the part after the last @, since usernames may hold @).
 */
export function findAccount(deps: Pick<ServiceDeps, "data">, name: string): Promise<Subject | null> {
  return deps.data.read((q) => findAccountIn(q, name));
}

async function findAccountIn(q: Query, name: string): Promise<Subject | null> {
  const { portalUsers, tenants, extensions, extensionSettings } = q.t;
  const at = name.lastIndexOf("@");
  if (at < 0) {
    const row = first(await q.db.select().from(portalUsers).where(eq(portalUsers.username, name)).limit(1));
    return row ? systemSubject(row) : null;
  }
  const username = name.slice(0, at);
  const domain = name.slice(at + 1).toLowerCase();
  if (!username || !domain) return null;
  const tenantRows = await q.db.select().from(tenants).where(or(eq(tenants.name, domain), eq(tenants.sipDomain, domain)));
  for (const t of tenantRows) {
    const byUsername = first(
      await q.db
        .select({ id: extensionSettings.extensionId })
        .from(extensionSettings)
        .where(and(eq(extensionSettings.tenantId, t.id), eq(extensionSettings.username, username)))
        .limit(1),
    );
    // An extension without a settings row goes by its number (services/extension-settings/sections.ts).
    const bare = byUsername
      ? undefined
      : first(
          await q.db
            .select({ id: extensions.id })
            .from(extensions)
            .leftJoin(extensionSettings, eq(extensionSettings.extensionId, extensions.id))
            .where(and(eq(extensions.tenantId, t.id), eq(extensions.number, username), isNull(extensionSettings.extensionId)))
            .limit(1),
        );
    const id = byUsername?.id ?? bare?.id;
    if (id !== undefined) return extensionSubjectIn(q, id);
  }
  return null;
}

export interface SystemUserInput {
  readonly username: string;
  readonly role: string;
  readonly tenants?: readonly string[];
  readonly email?: string | null;
  readonly twoStep?: boolean;
}

async function checkInputIn(q: Query, input: SystemUserInput): Promise<{ role: SystemRole; tenants: string[] | null; email: string | null }> {
  if (!USERNAME.test(input.username)) throw invalidInput("username: must be 1-64 of letters, digits and . _ - (extension users sign in as username@tenant instead)");
  if (!(SYSTEM_ROLES as readonly string[]).includes(input.role)) throw invalidInput(`role: must be one of ${SYSTEM_ROLES.join(", ")}`);
  const list = input.tenants?.length ? [...new Set(input.tenants)] : null;
  for (const t of list ?? []) {
    if (!first(await q.db.select({ id: q.t.tenants.id }).from(q.t.tenants).where(eq(q.t.tenants.name, t)).limit(1))) throw invalidInput(`tenants: no tenant named ${t}`);
  }
  const email = input.email?.trim() || null;
  if (email !== null && !EMAIL.test(email)) throw invalidInput("email: must be an email address such as ana@example.com");
  if (input.twoStep && !email) throw invalidInput("email: is mandatory for two-step sign-in (the code is sent there)");
  return { role: input.role as SystemRole, tenants: list, email };
}

/**
 * Creates a system account; `passwordHash` from passwords.ts (hash first: nothing but the database
 * is awaited inside a write). Checks that the name is free and the tenants exist, then inserts with
 * its audit row: serializable (the default), so of two creations of one name one fails.
 */
export async function createSystemUser(deps: ServiceDeps, input: SystemUserInput, passwordHash: string | null): Promise<SystemSubject> {
  const now = deps.clock().getTime();
  return deps.data.write(async (q) => {
    const users = q.t.portalUsers;
    const v = await checkInputIn(q, input);
    if (first(await q.db.select({ id: users.id }).from(users).where(eq(users.username, input.username)).limit(1))) {
      throw conflict(`username: an account named ${input.username} already exists`);
    }
    const row = first(
      await q.db
        .insert(users)
        .values({ username: input.username, role: v.role, tenants: v.tenants, email: v.email, twoStep: input.twoStep ?? false, passwordHash, createdAt: now, updatedAt: now })
        .returning(),
    )!;
    await auditChangeIn(q, deps, { action: "portal_user.create", target: `user:${row.username}`, after: { username: row.username, role: row.role, tenants: row.tenants, email: row.email, twoStep: row.twoStep } });
    return systemSubject(row);
  });
}

/** Read-modify-write of one account with its audit row (what it replaced): serializable (the default). */
export async function updateSystemUser(deps: ServiceDeps, username: string, input: SystemUserInput): Promise<SystemSubject> {
  return deps.data.write(async (q) => {
    const users = q.t.portalUsers;
    const before = first(await q.db.select().from(users).where(eq(users.username, username)).limit(1));
    if (!before) throw notFound(`no account named ${username}`);
    const v = await checkInputIn(q, { ...input, username });
    const row = first(
      await q.db
        .update(users)
        .set({ role: v.role, tenants: v.tenants, email: v.email, twoStep: input.twoStep ?? false, updatedAt: deps.clock().getTime() })
        .where(eq(users.id, before.id))
        .returning(),
    )!;
    const view = (r: typeof row) => ({ role: r.role, tenants: r.tenants, email: r.email, twoStep: r.twoStep });
    await auditChangeIn(q, deps, { action: "portal_user.update", target: `user:${username}`, before: view(before), after: view(row) });
    return systemSubject(row);
  });
}

export async function listSystemUsers(deps: Pick<ServiceDeps, "data">): Promise<SystemSubject[]> {
  const rows = await deps.data.read((q) => q.db.select().from(q.t.portalUsers).orderBy(q.t.portalUsers.username));
  return rows.map(systemSubject);
}

/** Disables a system account and ends its sessions, with its audit row: serializable (the default). */
export async function disableSystemUser(deps: ServiceDeps, username: string): Promise<void> {
  await deps.data.write(async (q) => {
    const users = q.t.portalUsers;
    const row = first(await q.db.select().from(users).where(eq(users.username, username)).limit(1));
    if (!row) throw notFound(`no account named ${username}`);
    const now = deps.clock().getTime();
    await q.db.update(users).set({ disabledAt: now, updatedAt: now }).where(eq(users.id, row.id));
    await revokeSessionsOfIn(q, "system", row.id, now);
    await auditChangeIn(q, deps, { action: "portal_user.disable", target: `user:${username}` });
  });
}

async function revokeSessionsOfIn(q: Query, kind: "system" | "extension", id: number, now: number): Promise<void> {
  const s = q.t.portalSessions;
  await q.db
    .update(s)
    .set({ revokedAt: now })
    .where(and(eq(s.kind, kind), eq(s.subjectId, id), isNull(s.revokedAt)));
}

/**
 * Sets the password of an account; every other session of it ends (a reset locks a thief out).
 * `before` runs first in the same transaction (the reset page marks its link used there, and throws
 * when another request used it first). Serializable (the default): the password, the sessions ended,
 * the link used and the audit row commit together or not at all.
 */
export async function setPassword(deps: ServiceDeps, subject: Subject, passwordHash: string, action = "portal_user.password", before?: (q: Query) => Promise<void>): Promise<void> {
  const now = deps.clock().getTime();
  await deps.data.write(async (q) => {
    await before?.(q);
    if (subject.kind === "system") {
      await q.db.update(q.t.portalUsers).set({ passwordHash, updatedAt: now }).where(eq(q.t.portalUsers.id, subject.id));
    } else {
      const logins = q.t.extensionLogins;
      await q.db
        .insert(logins)
        .values({ extensionId: subject.id, passwordHash, updatedAt: now })
        .onConflictDoUpdate({ target: logins.extensionId, set: { passwordHash, updatedAt: now } });
    }
    await revokeSessionsOfIn(q, subject.kind, subject.id, now);
    await auditChangeIn(q, deps, {
      action,
      target: subject.kind === "system" ? `user:${subject.username}` : `extension:${subject.tenant}/${subject.number}`,
      ...(subject.kind === "extension" ? { tenantId: subject.tenantId, extension: subject.number } : {}),
    });
  });
}
