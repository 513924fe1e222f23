import { randomBytes } from "node:crypto";
import { and, asc, count, desc, eq, type SQL } from "drizzle-orm";
import { z } from "zod";
import { first, type Query } from "../db/data.ts";
import type { pbxWebhooks } from "../db/schema.ts";
import { hasControlCharacters } from "../domain/validation.ts";
import { conflict, invalidInput, notFound } from "../errors.ts";
import { auditChangeIn } from "../services/actor.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { loadTenant } from "../services/tenants.ts";

export const WebhookInput = z.strictObject({
  name: z
    .string("must be a name such as asterisk-1")
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "must be 1-64 letters, digits, dots, dashes or underscores, e.g. asterisk-1"),
  url: z
    .string("must be an http:// or https:// URL")
    .max(2048)
    .refine((v) => !hasControlCharacters(v), "must not contain control characters")
    .refine((v) => URL.canParse(v) && ["http:", "https:"].includes(new URL(v).protocol), "must be an http:// or https:// URL, e.g. https://pbx.example/phonehome"),
  /** Tenant names; absent = every tenant. */
  tenants: z.array(z.string().min(1).max(253)).min(1, "must name at least one tenant, or be left out for every tenant").optional(),
});
export type WebhookInput = z.infer<typeof WebhookInput>;

type WebhookRow = typeof pbxWebhooks.$inferSelect;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

async function presentIn(q: Query, h: WebhookRow) {
  const dv = q.t.pbxDeliveries;
  const counts = await q.db
    .select({ state: dv.state, n: count().mapWith(Number) })
    .from(dv)
    .where(eq(dv.webhookId, h.id))
    .groupBy(dv.state);
  const n = (s: string) => counts.find((c) => c.state === s)?.n ?? 0;
  return { name: h.name, url: h.url, tenants: h.tenants, createdAt: iso(h.createdAt), pending: n("pending"), delivered: n("delivered"), failed: n("failed") };
}

/** Registers a webhook; the signing secret is returned once (and stored sealed). */
// Checks the tenants it names and that the name is free, then inserts with its audit row:
// serializable on PostgreSQL (the default), so of two creates of one name one is refused.
export async function createWebhook(deps: ServiceDeps, body: unknown) {
  const input = WebhookInput.parse(body);
  const secret = `whsec_${randomBytes(32).toString("base64url")}`;
  const webhook = await deps.data.write(async (q) => {
    const wh = q.t.pbxWebhooks;
    for (const t of input.tenants ?? []) await loadTenant(q, t);
    if (first(await q.db.select({ id: wh.id }).from(wh).where(eq(wh.name, input.name)).limit(1))) throw conflict(`name: a webhook named ${input.name} already exists`);
    const [created] = await q.db
      .insert(wh)
      .values({ name: input.name, url: input.url, secretEnc: deps.secrets.seal(secret), tenants: input.tenants ? [...new Set(input.tenants)].sort() : null, createdAt: deps.clock().getTime() })
      .returning();
    await auditChangeIn(q, deps, { action: "pbx_webhook.create", target: `pbx_webhook:${created!.name}`, after: { name: created!.name, url: created!.url, tenants: created!.tenants } });
    return presentIn(q, created!);
  });
  return { webhook, secret };
}

export function listWebhooks(deps: ServiceDeps) {
  return deps.data.read(async (q) => {
    const out = [];
    for (const h of await q.db.select().from(q.t.pbxWebhooks).orderBy(q.t.pbxWebhooks.name)) out.push(await presentIn(q, h));
    return out;
  });
}

// Reads the webhook for the audit row, then deletes it (its deliveries go with it): serializable (the default).
export async function deleteWebhook(deps: ServiceDeps, name: string): Promise<void> {
  await deps.data.write(async (q) => {
    const wh = q.t.pbxWebhooks;
    const h = first(await q.db.select().from(wh).where(eq(wh.name, name)).limit(1));
    if (!h) throw notFound(`no webhook named ${name.slice(0, 64)}`);
    await q.db.delete(wh).where(eq(wh.id, h.id));
    await auditChangeIn(q, deps, { action: "pbx_webhook.delete", target: `pbx_webhook:${h.name}`, before: { name: h.name, url: h.url, tenants: h.tenants } });
  });
}

export const DeliveryFilter = z.strictObject({
  webhook: z.string().max(64).optional(),
  state: z.enum(["pending", "delivered", "failed"], "must be pending, delivered or failed").optional(),
  limit: z.coerce.number("must be a number 1-1000").int().min(1).max(1000).default(100),
});

/** Deliveries, newest event first: state, attempts, the last answer or error. */
export async function listDeliveries(deps: ServiceDeps, query: unknown) {
  const f = DeliveryFilter.parse(query);
  const rows = await deps.data.read(async (q) => {
    const { pbxDeliveries: dv, pbxEvents: ev, pbxWebhooks: wh } = q.t;
    const where: SQL[] = [];
    if (f.webhook !== undefined) {
      const h = first(await q.db.select({ id: wh.id }).from(wh).where(eq(wh.name, f.webhook)).limit(1));
      if (!h) throw invalidInput(`webhook: no webhook named ${f.webhook}`);
      where.push(eq(dv.webhookId, h.id));
    }
    if (f.state !== undefined) where.push(eq(dv.state, f.state));
    return q.db
      .select({ d: dv, e: ev, webhook: wh.name })
      .from(dv)
      .innerJoin(ev, eq(ev.id, dv.eventId))
      .innerJoin(wh, eq(wh.id, dv.webhookId))
      .where(where.length ? and(...where) : undefined)
      .orderBy(desc(dv.eventId), asc(wh.name))
      .limit(f.limit);
  });
  return rows.map(({ d, e, webhook }) => ({
    event: e.id,
    type: e.type,
    extension: e.extensionKey,
    webhook,
    state: d.state,
    attempts: d.attempts,
    nextAttemptAt: d.state === "pending" ? iso(d.nextAttemptAt) : null,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    deliveredAt: iso(d.deliveredAt),
    at: iso(e.at),
  }));
}
