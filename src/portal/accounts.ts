import { and, eq, isNull, or } from "drizzle-orm";
import { writeTransaction, type Db } from "../db/client.ts";
import { extensionLogins, extensions, extensionSettings, portalSessions, portalUsers, tenants } from "../db/schema.ts";
import { conflict, invalidInput, notFound } from "../errors.ts";
import { auditChange } from "../services/actor.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { loadSettingsSync } from "../services/extension-settings/store-sync.ts";
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

function extensionSubject(db: Db, extId: number): ExtensionSubject | null {
  const row = db
    .select({ ext: extensions, tenant: tenants.name, hash: extensionLogins.passwordHash })
    .from(extensions)
    .innerJoin(tenants, eq(tenants.id, extensions.tenantId))
    .leftJoin(extensionLogins, eq(extensionLogins.extensionId, extensions.id))
    .where(eq(extensions.id, extId))
    .get();
  if (!row) return null;
  const s = loadSettingsSync(db, row.ext);
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
export function loadSubject(db: Db, kind: "system" | "extension", id: number): Subject | null {
  if (kind === "extension") return extensionSubject(db, id);
  const row = db.select().from(portalUsers).where(eq(portalUsers.id, id)).get();
  return row ? systemSubject(row) : null;
}

/**
 * The account a sign-in name names: `name` is a system account; `username@tenant` an extension user,
 * the tenant given by its name or its SIP domain (the part after the last @, since usernames may hold @).
 */
export function findAccount(db: Db, name: string): Subject | null {
  const at = name.lastIndexOf("@");
  if (at < 0) {
    const row = db.select().from(portalUsers).where(eq(portalUsers.username, name)).get();
    return row ? systemSubject(row) : null;
  }
  const username = name.slice(0, at);
  const domain = name.slice(at + 1).toLowerCase();
  if (!username || !domain) return null;
  const tenantRows = db.select().from(tenants).where(or(eq(tenants.name, domain), eq(tenants.sipDomain, domain))).all();
  for (const t of tenantRows) {
    const byUsername = db
      .select({ id: extensionSettings.extensionId })
      .from(extensionSettings)
      .where(and(eq(extensionSettings.tenantId, t.id), eq(extensionSettings.username, username)))
      .get();
    // An extension without a settings row goes by its number (services/extension-settings/sections.ts).
    const bare = byUsername
      ? undefined
      : db
          .select({ id: extensions.id })
          .from(extensions)
          .leftJoin(extensionSettings, eq(extensionSettings.extensionId, extensions.id))
          .where(and(eq(extensions.tenantId, t.id), eq(extensions.number, username), isNull(extensionSettings.extensionId)))
          .get();
    const id = byUsername?.id ?? bare?.id;
    if (id !== undefined) return extensionSubject(db, id);
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

function checkInput(db: Db, input: SystemUserInput): { role: SystemRole; tenants: string[] | null; email: string | null } {
  if (!USERNAME.test(input.username)) throw invalidInput("username: must be 1-64 of letters, digits and . _ - (extension users sign in as username@tenant instead)");
  if (!(SYSTEM_ROLES as readonly string[]).includes(input.role)) throw invalidInput(`role: must be one of ${SYSTEM_ROLES.join(", ")}`);
  const list = input.tenants?.length ? [...new Set(input.tenants)] : null;
  for (const t of list ?? []) {
    if (!db.select({ id: tenants.id }).from(tenants).where(eq(tenants.name, t)).get()) throw invalidInput(`tenants: no tenant named ${t}`);
  }
  const email = input.email?.trim() || null;
  if (email !== null && !EMAIL.test(email)) throw invalidInput("email: must be an email address such as ana@example.com");
  if (input.twoStep && !email) throw invalidInput("email: is mandatory for two-step sign-in (the code is sent there)");
  return { role: input.role as SystemRole, tenants: list, email };
}

/** Creates a system account; `passwordHash` from passwords.ts (hash first: the transaction is synchronous). */
export function createSystemUser(deps: ServiceDeps, input: SystemUserInput, passwordHash: string | null): SystemSubject {
  const now = deps.clock().getTime();
  return writeTransaction(deps.db, (tx) => {
    const v = checkInput(tx, input);
    if (tx.select({ id: portalUsers.id }).from(portalUsers).where(eq(portalUsers.username, input.username)).get()) {
      throw conflict(`username: an account named ${input.username} already exists`);
    }
    const row = tx
      .insert(portalUsers)
      .values({ username: input.username, role: v.role, tenants: v.tenants, email: v.email, twoStep: input.twoStep ?? false, passwordHash, createdAt: now, updatedAt: now })
      .returning()
      .get();
    auditChange(tx, deps, { action: "portal_user.create", target: `user:${row.username}`, after: { username: row.username, role: row.role, tenants: row.tenants, email: row.email, twoStep: row.twoStep } });
    return systemSubject(row);
  });
}

export function updateSystemUser(deps: ServiceDeps, username: string, input: SystemUserInput): SystemSubject {
  return writeTransaction(deps.db, (tx) => {
    const before = tx.select().from(portalUsers).where(eq(portalUsers.username, username)).get();
    if (!before) throw notFound(`no account named ${username}`);
    const v = checkInput(tx, { ...input, username });
    const row = tx
      .update(portalUsers)
      .set({ role: v.role, tenants: v.tenants, email: v.email, twoStep: input.twoStep ?? false, updatedAt: deps.clock().getTime() })
      .where(eq(portalUsers.id, before.id))
      .returning()
      .get();
    const view = (r: typeof row) => ({ role: r.role, tenants: r.tenants, email: r.email, twoStep: r.twoStep });
    auditChange(tx, deps, { action: "portal_user.update", target: `user:${username}`, before: view(before), after: view(row) });
    return systemSubject(row);
  });
}

export function listSystemUsers(db: Db): SystemSubject[] {
  return db.select().from(portalUsers).orderBy(portalUsers.username).all().map(systemSubject);
}

/** Disables a system account and ends its sessions. */
export function disableSystemUser(deps: ServiceDeps, username: string): void {
  writeTransaction(deps.db, (tx) => {
    const row = tx.select().from(portalUsers).where(eq(portalUsers.username, username)).get();
    if (!row) throw notFound(`no account named ${username}`);
    const now = deps.clock().getTime();
    tx.update(portalUsers).set({ disabledAt: now, updatedAt: now }).where(eq(portalUsers.id, row.id)).run();
    revokeSessionsOf(tx, "system", row.id, now);
    auditChange(tx, deps, { action: "portal_user.disable", target: `user:${username}` });
  });
}

function revokeSessionsOf(tx: Db, kind: "system" | "extension", id: number, now: number): void {
  tx.update(portalSessions)
    .set({ revokedAt: now })
    .where(and(eq(portalSessions.kind, kind), eq(portalSessions.subjectId, id), isNull(portalSessions.revokedAt)))
    .run();
}

/** Sets the password of an account; every other session of it ends (a reset locks a thief out). */
export function setPassword(deps: ServiceDeps, subject: Subject, passwordHash: string, action = "portal_user.password", first?: (tx: Db) => void): void {
  const now = deps.clock().getTime();
  writeTransaction(deps.db, (tx) => {
    first?.(tx);
    if (subject.kind === "system") {
      tx.update(portalUsers).set({ passwordHash, updatedAt: now }).where(eq(portalUsers.id, subject.id)).run();
    } else {
      tx.insert(extensionLogins)
        .values({ extensionId: subject.id, passwordHash, updatedAt: now })
        .onConflictDoUpdate({ target: extensionLogins.extensionId, set: { passwordHash, updatedAt: now } })
        .run();
    }
    revokeSessionsOf(tx, subject.kind, subject.id, now);
    auditChange(tx, deps, {
      action,
      target: subject.kind === "system" ? `user:${subject.username}` : `extension:${subject.tenant}/${subject.number}`,
      ...(subject.kind === "extension" ? { tenantId: subject.tenantId, extension: subject.number } : {}),
    });
  });
}
