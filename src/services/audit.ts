import { auditLog } from "../db/schema.ts";
import type { Db } from "../db/client.ts";
import type { Query } from "../db/data.ts";
import type { AuditSnapshot } from "../db/rows.ts";

export interface AuditEvent {
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly tenantId?: number | null;
  readonly mac?: string | null;
  readonly extension?: string | null;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly outcome?: string;
  readonly detail?: string | null;
}

// Field names whose values are secrets wherever they appear in a before/after snapshot: passwords,
// secrets, tokens, keys (`key`, `aesKey`, `config_key`, but not `keys`, a phone's key layout),
// PINs and sealed columns (`*Enc`). A boolean under such a name is a flag (`passwordRotated`), never
// a secret: it is kept.
const SECRET_KEY = /password|secret|token|(^|_)key$|[a-z]Key$|^pin$|Pin$|Enc$/i;

/**
 * Copies `value` with every secret-looking field replaced by "***". Snapshots are rows and plain
 * objects; the leaves are stored as `JSON.stringify` writes them.
 */
export function maskSecrets(value: unknown): AuditSnapshot {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) && v !== null && v !== undefined && typeof v !== "boolean" ? "***" : maskSecrets(v)]),
    );
  }
  return value as AuditSnapshot;
}

/** The audit row of an event at `at`: the one place its columns are filled, for both writers below. */
function auditRow(at: number, e: AuditEvent) {
  return {
    at,
    actor: e.actor,
    action: e.action,
    target: e.target,
    tenantId: e.tenantId ?? null,
    mac: e.mac ?? null,
    extension: e.extension ?? null,
    before: e.before === undefined ? null : maskSecrets(e.before),
    after: e.after === undefined ? null : maskSecrets(e.after),
    outcome: e.outcome ?? "ok",
    detail: e.detail ?? null,
  };
}

/**
 * Appends one audit row. Call it inside the same `writeTransaction` as the change it describes, so
 * a change and its record commit or roll back together.
 */
export function recordAudit(db: Db, at: number, e: AuditEvent): void {
  db.insert(auditLog).values(auditRow(at, e)).run();
}

/** recordAudit for converted code: inside the same `data.write` as the change it describes. */
export async function insertAudit(q: Query, at: number, e: AuditEvent): Promise<void> {
  await q.db.insert(q.t.auditLog).values(auditRow(at, e));
}
