import { randomBytes } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import { DatabaseBusyError } from "../db/busy.ts";
import { first } from "../db/data.ts";
import { invalidInput, notFound } from "../errors.ts";
import { ROLES } from "./roles.ts";
import { loadTenant } from "./tenants.ts";
import { sha256Hex } from "../secrets.ts";
import { auditChangeIn } from "./actor.ts";
import type { ServiceDeps } from "./deps.ts";
import type { TokenRole } from "./schemas.ts";
import type { TokenRow } from "../db/rows.ts";


/** Actors the audit log uses for itself (services/actor.ts): a token named so would read like them. */
const RESERVED_NAMES = ["cli", "system"];

/**
 * Creates a bearer token; the clear token is returned once and only its SHA-256 is stored. Without a
 * name it is called `<role>-<id>`, so every token shows up in the audit (`token:<name>`) as itself.
 * A `pbx` token names the tenants it may read (at least one, each existing); other roles take none.
 */
// Reads the tenants it names, then writes the token and its audit row: serializable on PostgreSQL
// (the default), so a tenant deleted meanwhile cannot end up in a new token's scope.
export async function createToken(deps: ServiceDeps, role: TokenRole, name?: string, tenantNames: readonly string[] = []): Promise<{ token: string; row: TokenRow }> {
  if (name !== undefined && (name.trim() === "" || RESERVED_NAMES.includes(name.trim().toLowerCase()))) {
    throw invalidInput(`--name: "${name.slice(0, 32)}" cannot name a token (empty, or read as the actor ${RESERVED_NAMES.join(" or ")} in the audit); leave it out for a generated name`);
  }
  // 32 random bytes: far beyond guessing, so a fast hash is enough (no password stretching needed).
  const token = `ph_${randomBytes(32).toString("base64url")}`;
  const scoped = ROLES[role].tenantScoped;
  if (scoped && tenantNames.length === 0) throw invalidInput(`tenants: a ${role} token needs at least one tenant (--tenant <name>)`);
  if (!scoped && tenantNames.length > 0) throw invalidInput(`tenants: a ${role} token is not limited to tenants; only a pbx token takes --tenant`);
  const createdAt = deps.clock().getTime();
  const row = await deps.data.write(async (q) => {
    for (const t of tenantNames) await loadTenant(q, t);
    const tenantScope = scoped ? [...new Set(tenantNames)].sort() : null;
    const [inserted] = await q.db.insert(q.t.apiTokens).values({ name: name ?? "", role, tokenHash: sha256Hex(token), createdAt, tenantScope }).returning();
    const created =
      name !== undefined ? inserted! : first(await q.db.update(q.t.apiTokens).set({ name: `${role}-${inserted!.id}` }).where(eq(q.t.apiTokens.id, inserted!.id)).returning())!;
    await auditChangeIn(q, deps, { action: "token.create", target: `token:${created.id}`, after: { id: created.id, name: created.name, role, tenants: tenantScope } });
    return created;
  });
  return { token, row };
}

/**
 * The admin API's token check: the row of a live token, or null. Stamps its last use at most once a
 * minute, in a transaction of its own after the read (one self-locking UPDATE: read committed).
 */
export async function verifyToken(deps: ServiceDeps, token: string): Promise<TokenRow | null> {
  if (!/^ph_[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const hash = sha256Hex(token);
  const row = await deps.data.read(async (q) =>
    first(await q.db.select().from(q.t.apiTokens).where(and(eq(q.t.apiTokens.tokenHash, hash), isNull(q.t.apiTokens.revokedAt))).limit(1)),
  );
  if (!row) return null;
  const now = deps.clock().getTime();
  if (!row.lastUsedAt || now - row.lastUsedAt > 60_000) {
    try {
      await deps.data.write((q) => q.db.update(q.t.apiTokens).set({ lastUsedAt: now }).where(eq(q.t.apiTokens.id, row.id)), { isolation: "read committed" });
    } catch (err) {
      // A last-used stamp is not worth refusing a request over while another process holds the write lock.
      if (!(err instanceof DatabaseBusyError)) throw err;
    }
  }
  return row;
}

export function listTokens(deps: ServiceDeps): Promise<TokenRow[]> {
  return deps.data.read((q) => q.db.select().from(q.t.apiTokens).orderBy(q.t.apiTokens.id));
}

// The UPDATE and its audit row commit together; the UPDATE locks its row: read committed is enough,
// but serializable (the default) costs nothing here and keeps the rule simple.
export async function revokeToken(deps: ServiceDeps, id: number): Promise<void> {
  const at = deps.clock().getTime();
  await deps.data.write(async (q) => {
    const revoked = await q.db.update(q.t.apiTokens).set({ revokedAt: at }).where(eq(q.t.apiTokens.id, id)).returning({ id: q.t.apiTokens.id });
    if (revoked.length === 0) throw notFound(`no token with id ${id}`);
    await auditChangeIn(q, deps, { action: "token.revoke", target: `token:${id}` });
  });
}
