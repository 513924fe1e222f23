import { randomBytes } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import { apiTokens } from "../db/schema.ts";
import { invalidInput, notFound } from "../errors.ts";
import { sha256Hex } from "../secrets.ts";
import { writeTransaction } from "../db/client.ts";
import { auditChange } from "./actor.ts";
import type { ServiceDeps } from "./deps.ts";
import type { TokenRole } from "./schemas.ts";
import type { TokenRow } from "../db/rows.ts";


/** Actors the audit log uses for itself (services/actor.ts): a token named so would read like them. */
const RESERVED_NAMES = ["cli", "system"];

/**
 * Creates a bearer token; the clear token is returned once and only its SHA-256 is stored. Without a
 * name it is called `<role>-<id>`, so every token shows up in the audit (`token:<name>`) as itself.
 */
export function createToken(deps: ServiceDeps, role: TokenRole, name?: string): { token: string; row: TokenRow } {
  if (name !== undefined && (name.trim() === "" || RESERVED_NAMES.includes(name.trim().toLowerCase()))) {
    throw invalidInput(`--name: "${name.slice(0, 32)}" cannot name a token (empty, or read as the actor ${RESERVED_NAMES.join(" or ")} in the audit); leave it out for a generated name`);
  }
  // 32 random bytes: far beyond guessing, so a fast hash is enough (no password stretching needed).
  const token = `ph_${randomBytes(32).toString("base64url")}`;
  const row = writeTransaction(deps.db, (tx) => {
    const inserted = tx
      .insert(apiTokens)
      .values({ name: name ?? "", role, tokenHash: sha256Hex(token), createdAt: deps.clock().getTime() })
      .returning()
      .get();
    const created = name !== undefined ? inserted : tx.update(apiTokens).set({ name: `${role}-${inserted.id}` }).where(eq(apiTokens.id, inserted.id)).returning().get()!;
    auditChange(tx, deps, { action: "token.create", target: `token:${created.id}`, after: { id: created.id, name: created.name, role } });
    return created;
  });
  return { token, row };
}

export function verifyToken(deps: ServiceDeps, token: string): TokenRow | null {
  if (!/^ph_[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const row = deps.db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, sha256Hex(token)), isNull(apiTokens.revokedAt)))
    .get();
  if (!row) return null;
  const now = deps.clock().getTime();
  if (!row.lastUsedAt || now - row.lastUsedAt > 60_000) {
    deps.db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id)).run();
  }
  return row;
}

export function listTokens(deps: ServiceDeps): TokenRow[] {
  return deps.db.select().from(apiTokens).orderBy(apiTokens.id).all();
}

export function revokeToken(deps: ServiceDeps, id: number): void {
  writeTransaction(deps.db, (tx) => {
    const r = tx.update(apiTokens).set({ revokedAt: deps.clock().getTime() }).where(eq(apiTokens.id, id)).run();
    if (r.changes === 0) throw notFound(`no token with id ${id}`);
    auditChange(tx, deps, { action: "token.revoke", target: `token:${id}` });
  });
}
