import { createHash, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import { and, eq, gt, isNull, lt, or } from "drizzle-orm";
import { isBusy } from "../db/busy.ts";
import { writeTransaction, type Db } from "../db/client.ts";
import { portalLinks, portalLoginFailures, portalSessions } from "../db/schema.ts";
import { attemptVerdict, failuresSince, type AttemptVerdict } from "../services/attempt-limiter.ts";
import type { ServiceDeps } from "../services/deps.ts";
import type { Subject } from "./accounts.ts";
import type { PortalSettings } from "./settings.ts";

/**
 * Server-side portal sessions, one-time codes and links, and the sign-in limiter. Every token that
 * reaches a browser or a mailbox is 32 random bytes; only its SHA-256 is stored, so a copy of the
 * database opens no session and no link.
 */

const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const token = () => randomBytes(32).toString("base64url");

export type SessionRow = typeof portalSessions.$inferSelect;

export function createSession(deps: ServiceDeps, subject: Subject, stage: "code" | "full", settings: PortalSettings, sourceIp: string, code?: string): { cookie: string; row: SessionRow } {
  const now = deps.clock().getTime();
  const cookie = token();
  const expiresAt = stage === "code" ? now + settings.codeMinutes * 60_000 : now + settings.absoluteHours * 3_600_000;
  const row = deps.db
    .insert(portalSessions)
    .values({
      id: sha(cookie),
      kind: subject.kind,
      subjectId: subject.id,
      stage,
      csrfToken: token(),
      codeHash: code ? sha(code) : null,
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
      sourceIp,
    })
    .returning()
    .get();
  return { cookie, row };
}

/** The live session behind a cookie value; touches its last use. Expired (idle or absolute) or revoked: null. */
export function findSession(deps: ServiceDeps, cookie: string | undefined, settings: PortalSettings): SessionRow | null {
  if (!cookie || !/^[A-Za-z0-9_-]{43}$/.test(cookie)) return null;
  const row = deps.db.select().from(portalSessions).where(eq(portalSessions.id, sha(cookie))).get();
  if (!row || row.revokedAt !== null) return null;
  const now = deps.clock().getTime();
  if (now >= row.expiresAt || now - row.lastSeenAt >= settings.idleMinutes * 60_000) return null;
  try {
    deps.db.update(portalSessions).set({ lastSeenAt: now }).where(eq(portalSessions.id, row.id)).run();
  } catch (err) {
    // Another writer holds the lock (a long CSV import's write phase): the page is still served, so
    // that its progress can be followed; the touch is made at the next request.
    if (!isBusy(err)) throw err;
  }
  return row;
}

export function revokeSession(db: Db, id: string, now: number): void {
  db.update(portalSessions).set({ revokedAt: now }).where(eq(portalSessions.id, id)).run();
}

/** Checks a two-step code; five wrong codes end the pending session. */
export function checkCode(deps: ServiceDeps, row: SessionRow, code: string): "ok" | "wrong" | "ended" {
  const given = Buffer.from(sha(code.trim()));
  const ok = row.codeHash !== null && given.length === row.codeHash.length && timingSafeEqual(given, Buffer.from(row.codeHash));
  if (ok) return "ok";
  const attempts = row.codeAttempts + 1;
  deps.db
    .update(portalSessions)
    .set({ codeAttempts: attempts, ...(attempts >= 5 ? { revokedAt: deps.clock().getTime() } : {}) })
    .where(eq(portalSessions.id, row.id))
    .run();
  return attempts >= 5 ? "ended" : "wrong";
}

/** Six digits, uniformly drawn. */
export const newCode = (): string => String(randomInt(0, 1_000_000)).padStart(6, "0");

/** Expired sessions, links and failures are deleted now and then. */
export function pruneSessions(db: Db, now: number, settings: PortalSettings): void {
  db.delete(portalSessions).where(or(lt(portalSessions.expiresAt, now - 86_400_000), lt(portalSessions.lastSeenAt, now - settings.idleMinutes * 60_000 - 86_400_000))).run();
  db.delete(portalLinks).where(lt(portalLinks.expiresAt, now - 86_400_000)).run();
  db.delete(portalLoginFailures).where(lt(portalLoginFailures.at, now - settings.loginWindowMinutes * 60_000)).run();
}

// --- one-time links (reset password, welcome) ---

export function createLink(deps: ServiceDeps, purpose: "reset" | "welcome", subject: Subject, settings: PortalSettings): string {
  const now = deps.clock().getTime();
  const t = token();
  deps.db
    .insert(portalLinks)
    .values({ id: sha(t), purpose, kind: subject.kind, subjectId: subject.id, createdAt: now, expiresAt: now + settings.linkHours * 3_600_000 })
    .run();
  return t;
}

export type LinkRow = typeof portalLinks.$inferSelect;

/** A link that is unused and unexpired, or null. */
export function findLink(deps: ServiceDeps, t: string): LinkRow | null {
  if (!/^[A-Za-z0-9_-]{43}$/.test(t)) return null;
  const row = deps.db.select().from(portalLinks).where(and(eq(portalLinks.id, sha(t)), isNull(portalLinks.usedAt), gt(portalLinks.expiresAt, deps.clock().getTime()))).get();
  return row ?? null;
}

/** Marks a link used; false when another request used it first. */
export function useLink(db: Db, id: string, now: number): boolean {
  return db.update(portalLinks).set({ usedAt: now }).where(and(eq(portalLinks.id, id), isNull(portalLinks.usedAt))).run().changes === 1;
}

// --- sign-in limiter ---

export type Verdict = AttemptVerdict;

/**
 * Failures within the window, per account name (whether the account exists or not, so the answer
 * tells nothing) and per source address, under the shared slow-then-refuse rule
 * (services/attempt-limiter.ts) with the `login*` settings.
 */
export function signInVerdict(db: Db, now: number, ip: string, account: string, s: PortalSettings): Verdict {
  const since = now - s.loginWindowMinutes * 60_000;
  const count = (key: ReturnType<typeof eq>) => failuresSince(db, portalLoginFailures, portalLoginFailures.at, key, since);
  const minutes = s.loginWindowMinutes;
  return attemptVerdict(
    [
      { failures: count(eq(portalLoginFailures.account, account.toLowerCase())), max: s.loginMaxPerAccount, refused: `too many failed sign-ins for this account; try again in ${minutes} minutes or reset the password` },
      { failures: count(eq(portalLoginFailures.sourceIp, ip)), max: s.loginMaxPerAddress, refused: `too many failed sign-ins from this address; try again in ${minutes} minutes` },
    ],
    { slowAfter: s.loginSlowAfter, maxDelayMs: s.loginMaxDelayMs },
  );
}

export function recordFailure(db: Db, now: number, ip: string, account: string): void {
  db.insert(portalLoginFailures).values({ at: now, sourceIp: ip, account: account.toLowerCase().slice(0, 200) }).run();
}

/** A successful sign-in clears the account's failures (not the address's). */
export function clearFailures(db: Db, account: string): void {
  writeTransaction(db, (tx) => tx.delete(portalLoginFailures).where(eq(portalLoginFailures.account, account.toLowerCase())).run());
}
