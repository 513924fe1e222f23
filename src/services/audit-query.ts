import { and, desc, eq, gte, lte, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { auditLog, fetchLog } from "../db/schema.ts";
import { parseMac } from "../domain/mac.ts";
import { EXTENSION_NUMBER } from "../domain/validation.ts";
import { invalidInput } from "../errors.ts";
import type { ServiceDeps } from "./deps.ts";
import { describeIssues } from "./schemas.ts";

/**
 * The audit trail as one list: admin changes and security events (`audit_log`) and phone fetches
 * (`fetch_log`: who fetched which file holding which extensions' credentials, from where, over
 * what, authenticated how). Newest first.
 */
const isoTime = z
  .string()
  .refine((v) => !Number.isNaN(Date.parse(v)), "must be an ISO 8601 time such as 2026-06-01T00:00:00Z")
  .transform((v) => Date.parse(v));

export const AuditFilter = z.strictObject({
  mac: z
    .string()
    .refine((v) => parseMac(v) !== null, "must be a MAC address")
    .transform((v) => parseMac(v)!)
    .optional(),
  extension: z.string().regex(EXTENSION_NUMBER, "must be 2-15 digits").optional(),
  actor: z.string().min(1).max(128).optional(),
  since: isoTime.optional(),
  until: isoTime.optional(),
  type: z.enum(["admin", "fetch", "all"]).default("all"),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type AuditFilter = z.infer<typeof AuditFilter>;

/** Parses query-string / CLI input; a bad value is a 400 naming the field. */
export function parseAuditFilter(input: Record<string, unknown>): AuditFilter {
  const r = AuditFilter.safeParse(Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)));
  if (!r.success) throw invalidInput(describeIssues(r.error));
  return r.data;
}

const iso = (ms: number) => new Date(ms).toISOString();

function adminEvents(deps: ServiceDeps, f: AuditFilter) {
  const where: SQL[] = [];
  if (f.mac) where.push(eq(auditLog.mac, f.mac));
  if (f.extension) where.push(eq(auditLog.extension, f.extension));
  if (f.actor) where.push(eq(auditLog.actor, f.actor));
  if (f.since !== undefined) where.push(gte(auditLog.at, f.since));
  if (f.until !== undefined) where.push(lte(auditLog.at, f.until));
  const rows = deps.db.select().from(auditLog).where(and(...where)).orderBy(desc(auditLog.at), desc(auditLog.id)).limit(f.limit).all();
  return rows.map(({ id, at, ...r }) => ({ type: "admin" as const, id, at: iso(at), ...r }));
}

function fetchEvents(deps: ServiceDeps, f: AuditFilter) {
  // A fetch's actor is its source address: `source:<ip>`.
  if (f.actor && !f.actor.startsWith("source:")) return [];
  const where: SQL[] = [];
  if (f.mac) where.push(eq(fetchLog.mac, f.mac));
  if (f.extension) where.push(sql`(',' || ${fetchLog.credentials} || ',') like ${`%,${f.extension},%`}`);
  if (f.actor) where.push(eq(fetchLog.sourceIp, f.actor.slice("source:".length)));
  if (f.since !== undefined) where.push(gte(fetchLog.at, f.since));
  if (f.until !== undefined) where.push(lte(fetchLog.at, f.until));
  const rows = deps.db.select().from(fetchLog).where(and(...where)).orderBy(desc(fetchLog.at), desc(fetchLog.id)).limit(f.limit).all();
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

export type AuditEntry = ReturnType<typeof adminEvents>[number] | ReturnType<typeof fetchEvents>[number];

export function queryAudit(deps: ServiceDeps, f: AuditFilter): AuditEntry[] {
  const events: AuditEntry[] = [...(f.type !== "fetch" ? adminEvents(deps, f) : []), ...(f.type !== "admin" ? fetchEvents(deps, f) : [])];
  return events.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, f.limit);
}
