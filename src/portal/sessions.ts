import { createHash, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import { and, eq, gt, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import type { Logger } from "pino";
import { DatabaseBusyError } from "../db/busy.ts";
import { first, type Data, type Query } from "../db/data.ts";
import type { portalLinks, portalSessions } from "../db/schema.ts";
import { attemptVerdict, failuresSinceIn, type AttemptVerdict } from "../services/attempt-limiter.ts";
import type { ServiceDeps } from "../services/deps.ts";
import type { Subject } from "./accounts.ts";
import type { PortalSettings } from "./settings.ts";

/**
 * Server-side portal sessions, one-time codes and links, and the sign-in limiter. Every token that
 * reaches a browser or a mailbox is 32 random bytes; only its SHA-256 is stored, so a copy of the
 * database opens no session and no link. Sessions and failures are rows, so every node of one
 * database sees the same ones.
 */

const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const token = () => randomBytes(32).toString("base64url");

/** One statement that locks what it changes and reads nothing before it: no writer lock needed on PostgreSQL. */
const ONE_STATEMENT = { isolation: "read committed" } as const;

export type SessionRow = typeof portalSessions.$inferSelect;

export async function createSession(deps: ServiceDeps, subject: Subject, stage: "code" | "full", settings: PortalSettings, sourceIp: string, code?: string): Promise<{ cookie: string; row: SessionRow }> {
  const now = deps.clock().getTime();
  const cookie = token();
  const expiresAt = stage === "code" ? now + settings.codeMinutes * 60_000 : now + settings.absoluteHours * 3_600_000;
  const values = { id: sha(cookie), kind: subject.kind, subjectId: subject.id, stage, csrfToken: token(), codeHash: code ? sha(code) : null, createdAt: now, lastSeenAt: now, expiresAt, sourceIp };
  // An insert under a new random id: read committed.
  const row = await deps.data.write(async (q) => first(await q.db.insert(q.t.portalSessions).values(values).returning())!, ONE_STATEMENT);
  return { cookie, row };
}

/** The live session behind a cookie value; touches its last use. Expired (idle or absolute) or revoked: null. */
export async function findSession(deps: ServiceDeps & { readonly logger: Logger }, cookie: string | undefined, settings: PortalSettings): Promise<SessionRow | null> {
  if (!cookie || !/^[A-Za-z0-9_-]{43}$/.test(cookie)) return null;
  const id = sha(cookie);
  const row = await deps.data.read(async (q) => first(await q.db.select().from(q.t.portalSessions).where(eq(q.t.portalSessions.id, id)).limit(1)));
  if (!row || row.revokedAt !== null) return null;
  const now = deps.clock().getTime();
  if (now >= row.expiresAt || now - row.lastSeenAt >= settings.idleMinutes * 60_000) return null;
  await touchSession(deps, row.id, now);
  return row;
}

/** How long a page waits for its session's touch: the server's busy wait of the synchronous handle. */
const TOUCH_WAIT_MS = 100;
/** Sessions whose touch is still waiting for the write lock, per handle: one waits at a time. */
const touching = new WeakMap<Data, Set<string>>();

/**
 * Stamps a session's last use (one self-locking UPDATE: read committed). While another process holds
 * SQLite's write lock (a long CSV import's write phase), the page is served after TOUCH_WAIT_MS all
 * the same, so that the import's progress can be followed; the touch goes on waiting, and lands
 * then or at a later request.
 */
async function touchSession(deps: Pick<ServiceDeps, "data"> & { readonly logger: Logger }, id: string, now: number): Promise<void> {
  let pending = touching.get(deps.data);
  if (!pending) touching.set(deps.data, (pending = new Set()));
  if (pending.has(id)) return;
  const waiting = pending.add(id);
  // Settles with the error to report, if any: a touch that outlives the wait must not reject unheard.
  const touched: Promise<{ err: unknown } | null> = deps.data
    .write((q) => q.db.update(q.t.portalSessions).set({ lastSeenAt: now }).where(eq(q.t.portalSessions.id, id)), ONE_STATEMENT)
    .then(
      () => null,
      (err: unknown) => (err instanceof DatabaseBusyError ? null : { err }),
    )
    .finally(() => waiting.delete(id));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => (timer = setTimeout(resolve, TOUCH_WAIT_MS, "late")));
  const outcome = await Promise.race([touched, late]);
  clearTimeout(timer);
  if (outcome === "late") {
    void touched.then((failed) => failed && deps.logger.error({ err: failed.err }, "touching a portal session failed"));
  } else if (outcome) {
    throw outcome.err;
  }
}

export async function revokeSession(deps: Pick<ServiceDeps, "data">, id: string, now: number): Promise<void> {
  await deps.data.write((q) => q.db.update(q.t.portalSessions).set({ revokedAt: now }).where(eq(q.t.portalSessions.id, id)), ONE_STATEMENT);
}

const MAX_CODE_ATTEMPTS = 5;

/** Checks a two-step code; five wrong codes end the pending session. */
export async function checkCode(deps: ServiceDeps, row: SessionRow, code: string): Promise<"ok" | "wrong" | "ended"> {
  const given = Buffer.from(sha(code.trim()));
  const ok = row.codeHash !== null && given.length === row.codeHash.length && timingSafeEqual(given, Buffer.from(row.codeHash));
  if (ok) return "ok";
  const now = deps.clock().getTime();
  // The count is raised where it is stored, in one self-locking UPDATE (read committed): wrong codes
  // sent at once, to one node or several, each count.
  const counted = await deps.data.write(async (q) => {
    const s = q.t.portalSessions;
    const attempts = sql`${s.codeAttempts} + 1`;
    const set = { codeAttempts: attempts, revokedAt: sql`case when ${attempts} >= ${MAX_CODE_ATTEMPTS} then ${now} else ${s.revokedAt} end` };
    return first(await q.db.update(s).set(set).where(eq(s.id, row.id)).returning({ attempts: s.codeAttempts }));
  }, ONE_STATEMENT);
  return (counted?.attempts ?? row.codeAttempts + 1) >= MAX_CODE_ATTEMPTS ? "ended" : "wrong";
}

/** Six digits, uniformly drawn. */
export const newCode = (): string => String(randomInt(0, 1_000_000)).padStart(6, "0");

/**
 * Expired sessions, links and failures are deleted now and then. Three deletes of rows past their
 * time, nothing read: read committed (on several nodes, deleting what another node deleted changes nothing).
 */
export async function pruneSessions(deps: Pick<ServiceDeps, "data">, now: number, settings: PortalSettings): Promise<void> {
  await deps.data.write(async (q) => {
    const { portalSessions: s, portalLinks: l, portalLoginFailures: f } = q.t;
    await q.db.delete(s).where(or(lt(s.expiresAt, now - 86_400_000), lt(s.lastSeenAt, now - settings.idleMinutes * 60_000 - 86_400_000)));
    await q.db.delete(l).where(lt(l.expiresAt, now - 86_400_000));
    await q.db.delete(f).where(lt(f.at, now - settings.loginWindowMinutes * 60_000));
  }, ONE_STATEMENT);
}

// --- one-time links (reset password, welcome) ---

export async function createLink(deps: ServiceDeps, purpose: "reset" | "welcome", subject: Subject, settings: PortalSettings): Promise<string> {
  const now = deps.clock().getTime();
  const t = token();
  const values = { id: sha(t), purpose, kind: subject.kind, subjectId: subject.id, createdAt: now, expiresAt: now + settings.linkHours * 3_600_000 };
  // An insert under a new random id: read committed.
  await deps.data.write((q) => q.db.insert(q.t.portalLinks).values(values), ONE_STATEMENT);
  return t;
}

export type LinkRow = typeof portalLinks.$inferSelect;

/** A link that is unused and unexpired, or null. */
export async function findLink(deps: ServiceDeps, t: string): Promise<LinkRow | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(t)) return null;
  const now = deps.clock().getTime();
  const row = await deps.data.read(async (q) => {
    const l = q.t.portalLinks;
    return first(await q.db.select().from(l).where(and(eq(l.id, sha(t)), isNull(l.usedAt), gt(l.expiresAt, now))).limit(1));
  });
  return row ?? null;
}

/** Marks a link used, inside the write that uses it; false when another request used it first. */
export async function useLinkIn(q: Query, id: string, now: number): Promise<boolean> {
  const l = q.t.portalLinks;
  return (await q.db.update(l).set({ usedAt: now }).where(and(eq(l.id, id), isNull(l.usedAt))).returning({ id: l.id })).length === 1;
}

// --- sign-in limiter ---

export type Verdict = AttemptVerdict;

/**
 * Failures within the window, per account name (whether the account exists or not, so the answer
 * tells nothing) and per source address, under the shared slow-then-refuse rule
 * (services/attempt-limiter.ts) with the `login*` settings.
 */
export async function signInVerdict(deps: Pick<ServiceDeps, "data">, now: number, ip: string, account: string, s: PortalSettings): Promise<Verdict> {
  const since = now - s.loginWindowMinutes * 60_000;
  const [byAccount, byAddress] = await deps.data.read(async (q) => {
    const f = q.t.portalLoginFailures;
    const count = (key: SQL) => failuresSinceIn(q, f, f.at, key, since);
    return [await count(eq(f.account, account.toLowerCase())), await count(eq(f.sourceIp, ip))];
  });
  const minutes = s.loginWindowMinutes;
  return attemptVerdict(
    [
      { failures: byAccount, max: s.loginMaxPerAccount, refused: `too many failed sign-ins for this account; try again in ${minutes} minutes or reset the password` },
      { failures: byAddress, max: s.loginMaxPerAddress, refused: `too many failed sign-ins from this address; try again in ${minutes} minutes` },
    ],
    { slowAfter: s.loginSlowAfter, maxDelayMs: s.loginMaxDelayMs },
  );
}

export async function recordFailure(deps: Pick<ServiceDeps, "data">, now: number, ip: string, account: string): Promise<void> {
  // One insert: read committed.
  await deps.data.write((q) => q.db.insert(q.t.portalLoginFailures).values({ at: now, sourceIp: ip, account: account.toLowerCase().slice(0, 200) }), ONE_STATEMENT);
}

/** A successful sign-in clears the account's failures (not the address's). One delete: read committed. */
export async function clearFailures(deps: Pick<ServiceDeps, "data">, account: string): Promise<void> {
  await deps.data.write((q) => q.db.delete(q.t.portalLoginFailures).where(eq(q.t.portalLoginFailures.account, account.toLowerCase())), ONE_STATEMENT);
}
