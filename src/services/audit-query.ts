import { and, desc, eq, gte, ilike, like, lte, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { dialectSql, type Query } from "../db/data.ts";
import { parseMac } from "../domain/mac.ts";
import { EXTENSION_NUMBER } from "../domain/validation.ts";
import { invalidInput } from "../errors.ts";
import type { ServiceDeps } from "./deps.ts";
import { describeIssues } from "./schemas.ts";
import { loadTenant } from "./tenants.ts";

/**
 * The audit trail as one list: admin changes and security events (`audit_log`) and phone fetches
 * (`fetch_log`: who fetched which file holding which extensions' credentials, from where, over
 * what, authenticated how). Newest first.
 */
const RELATIVE = /^(\d{1,6})(s|m|h|d|w)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** An ISO 8601 time, or a time relative to now: `30m`, `1h`, `7d` (s, m, h, d, w) ago. */
const timeOf = (now: number) =>
  z.string().transform((v, ctx) => {
    const rel = RELATIVE.exec(v.trim());
    if (rel) return now - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS];
    const at = Date.parse(v);
    if (Number.isNaN(at)) {
      ctx.addIssue({ code: "custom", message: "must be an ISO 8601 time such as 2026-06-01T00:00:00Z, or a time ago such as 30m, 1h, 7d" });
      return z.NEVER;
    }
    return at;
  });

/** `202`, or `acme.example/202` (the form the audit log's own entries show). */
const EXTENSION_FILTER = /^(?:([a-z0-9][a-z0-9.-]{0,62})\/)?(\d{2,15})$/;

const auditFilter = (now: number) =>
  z.strictObject({
    mac: z
      .string()
      .refine((v) => parseMac(v) !== null, "must be a MAC address")
      .transform((v) => parseMac(v)!)
      .optional(),
    tenant: z.string().min(1).max(64).optional(),
    extension: z
      .string()
      .refine((v) => EXTENSION_FILTER.test(v) && EXTENSION_NUMBER.test(EXTENSION_FILTER.exec(v)![2]!), "must be an extension number (2-15 digits), or tenant/number")
      .optional(),
    actor: z.string().min(1).max(128).optional(),
    /** An action (`tenant.update`), or its first parts (`tenant`, `portal`): `fetch.served`, `fetch` for fetches. */
    action: z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/, "must be an action such as tenant.update, or its first part such as tenant").max(64).optional(),
    since: timeOf(now).optional(),
    until: timeOf(now).optional(),
    type: z.enum(["admin", "fetch", "all"]).default("all"),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    /** Entries to skip (paging: the next page is offset + limit). */
    offset: z.coerce.number().int().min(0).max(100_000).default(0),
  });
/** The filter's shape, for the OpenAPI document (relative times resolve against the parse's `now`). */
export const AuditFilter = auditFilter(0);
export type AuditFilter = z.infer<typeof AuditFilter>;

/**
 * Parses query-string / CLI input (relative times counted back from `now`); a bad value is a 400
 * naming the field. `extension: "acme.example/202"` is `tenant: "acme.example", extension: "202"`.
 */
export function parseAuditFilter(input: Record<string, unknown>, now: number): AuditFilter {
  const r = auditFilter(now).safeParse(Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)));
  if (!r.success) throw invalidInput(describeIssues(r.error));
  const f = r.data;
  const m = f.extension === undefined ? null : EXTENSION_FILTER.exec(f.extension);
  if (!m?.[1]) return f;
  if (f.tenant !== undefined && f.tenant !== m[1]) throw invalidInput(`extension: ${f.extension} names tenant ${m[1]}, but tenant is ${f.tenant.slice(0, 64)}`);
  return { ...f, tenant: m[1], extension: m[2] };
}

const iso = (ms: number) => new Date(ms).toISOString();

type Scoped = AuditFilter & { readonly tenantId?: number };

/**
 * `column like pattern` as SQLite means it: case-blind for ASCII letters. PostgreSQL's `like` tells
 * case apart, so its form is `ilike`. The patterns here hold digits, `/`, `,` and `%` only today, but
 * the filter's meaning should not depend on that.
 */
const caseBlindLike = (q: Query, column: Parameters<typeof like>[0], pattern: string): SQL =>
  dialectSql(q, { sqlite: like(column, pattern), postgres: ilike(column, pattern) });

async function adminEvents(q: Query, f: Scoped) {
  const a = q.t.auditLog;
  const where: SQL[] = [];
  if (f.mac) where.push(eq(a.mac, f.mac));
  if (f.tenantId !== undefined) where.push(eq(a.tenantId, f.tenantId));
  // Settings changes store the number, registrations and force-unregisters `tenant/number`.
  if (f.extension) where.push(or(eq(a.extension, f.extension), caseBlindLike(q, a.extension, `%/${f.extension}`))!);
  if (f.actor) where.push(eq(a.actor, f.actor));
  // substr(text, from, count) means the same on both databases.
  if (f.action) where.push(or(eq(a.action, f.action), sql`substr(${a.action}, 1, ${f.action.length + 1}) = ${`${f.action}.`}`)!);
  if (f.since !== undefined) where.push(gte(a.at, f.since));
  if (f.until !== undefined) where.push(lte(a.at, f.until));
  const rows = await q.db.select().from(a).where(and(...where)).orderBy(desc(a.at), desc(a.id)).limit(f.limit + f.offset);
  return rows.map(({ id, at, ...r }) => ({ type: "admin" as const, id, at: iso(at), ...r }));
}

async function fetchEvents(q: Query, f: Scoped) {
  const l = q.t.fetchLog;
  // A fetch's actor is its source address: `source:<ip>`.
  if (f.actor && !f.actor.startsWith("source:")) return [];
  if (f.action && f.action !== "fetch" && !f.action.startsWith("fetch.")) return [];
  const where: SQL[] = [];
  if (f.action?.startsWith("fetch.")) where.push(eq(l.outcome, f.action.slice("fetch.".length) as never));
  if (f.mac) where.push(eq(l.mac, f.mac));
  if (f.tenantId !== undefined) where.push(eq(l.tenantId, f.tenantId));
  // `||` concatenates on both; the credentials column is a comma-separated list of extensions.
  if (f.extension) where.push(caseBlindLike(q, sql`(',' || ${l.credentials} || ',')`, `%,${f.extension},%`));
  if (f.actor) where.push(eq(l.sourceIp, f.actor.slice("source:".length)));
  if (f.since !== undefined) where.push(gte(l.at, f.since));
  if (f.until !== undefined) where.push(lte(l.at, f.until));
  const rows = await q.db.select().from(l).where(and(...where)).orderBy(desc(l.at), desc(l.id)).limit(f.limit + f.offset);
  return rows.map(({ id, at, credentials, sourceIp, fileName, outcome, deviceId: _d, anonKey: _k, lastAt, ...r }) => ({
    type: "fetch" as const,
    id,
    at: iso(at),
    lastAt: lastAt === null ? null : iso(lastAt),
    actor: `source:${sourceIp}`,
    action: `fetch.${outcome}`,
    target: `file:${fileName}`,
    credentials: credentials ? credentials.split(",") : [],
    ...r,
  }));
}

export type AuditEntry = Awaited<ReturnType<typeof adminEvents>>[number] | Awaited<ReturnType<typeof fetchEvents>>[number];

/** The events matching `filter`, newest first (outside a transaction: each list reads the last commit). */
export function queryAudit(deps: ServiceDeps, filter: AuditFilter): Promise<AuditEntry[]> {
  return deps.data.read(async (q) => {
    const f: Scoped = filter.tenant === undefined ? filter : { ...filter, tenantId: (await loadTenant(q, filter.tenant)).id };
    const events: AuditEntry[] = [...(f.type !== "fetch" ? await adminEvents(q, f) : []), ...(f.type !== "admin" ? await fetchEvents(q, f) : [])];
    return events.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(f.offset, f.offset + f.limit);
  });
}
