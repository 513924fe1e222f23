import { randomBytes } from "node:crypto";
import { and, asc, count, desc, eq, type SQL } from "drizzle-orm";
import { z } from "zod";
import { writeTransaction } from "../db/client.ts";
import { pbxDeliveries, pbxEvents, pbxWebhooks } from "../db/schema.ts";
import { hasControlCharacters } from "../domain/validation.ts";
import { conflict, invalidInput, notFound } from "../errors.ts";
import { auditChange } from "../services/actor.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { getTenant } from "../services/tenants.ts";

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

function present(deps: ServiceDeps, h: WebhookRow) {
  const counts = deps.db
    .select({ state: pbxDeliveries.state, n: count() })
    .from(pbxDeliveries)
    .where(eq(pbxDeliveries.webhookId, h.id))
    .groupBy(pbxDeliveries.state)
    .all();
  const n = (s: string) => counts.find((c) => c.state === s)?.n ?? 0;
  return { name: h.name, url: h.url, tenants: h.tenants, createdAt: iso(h.createdAt), pending: n("pending"), delivered: n("delivered"), failed: n("failed") };
}

/** Registers a webhook; the signing secret is returned once (and stored sealed). */
export function createWebhook(deps: ServiceDeps, body: unknown) {
  const input = WebhookInput.parse(body);
  const secret = `whsec_${randomBytes(32).toString("base64url")}`;
  const row = writeTransaction(deps.db, (tx) => {
    for (const t of input.tenants ?? []) getTenant({ ...deps, db: tx }, t);
    if (tx.select().from(pbxWebhooks).where(eq(pbxWebhooks.name, input.name)).get()) throw conflict(`name: a webhook named ${input.name} already exists`);
    const created = tx
      .insert(pbxWebhooks)
      .values({ name: input.name, url: input.url, secretEnc: deps.secrets.seal(secret), tenants: input.tenants ? [...new Set(input.tenants)].sort() : null, createdAt: deps.clock().getTime() })
      .returning()
      .get();
    auditChange(tx, deps, { action: "pbx_webhook.create", target: `pbx_webhook:${created.name}`, after: { name: created.name, url: created.url, tenants: created.tenants } });
    return created;
  });
  return { webhook: present(deps, row), secret };
}

export function listWebhooks(deps: ServiceDeps) {
  return deps.db.select().from(pbxWebhooks).orderBy(pbxWebhooks.name).all().map((h) => present(deps, h));
}

export function deleteWebhook(deps: ServiceDeps, name: string): void {
  writeTransaction(deps.db, (tx) => {
    const h = tx.select().from(pbxWebhooks).where(eq(pbxWebhooks.name, name)).get();
    if (!h) throw notFound(`no webhook named ${name.slice(0, 64)}`);
    tx.delete(pbxWebhooks).where(eq(pbxWebhooks.id, h.id)).run();
    auditChange(tx, deps, { action: "pbx_webhook.delete", target: `pbx_webhook:${h.name}`, before: { name: h.name, url: h.url, tenants: h.tenants } });
  });
}

export const DeliveryFilter = z.strictObject({
  webhook: z.string().max(64).optional(),
  state: z.enum(["pending", "delivered", "failed"], "must be pending, delivered or failed").optional(),
  limit: z.coerce.number("must be a number 1-1000").int().min(1).max(1000).default(100),
});

/** Deliveries, newest event first: state, attempts, the last answer or error. */
export function listDeliveries(deps: ServiceDeps, query: unknown) {
  const f = DeliveryFilter.parse(query);
  const where: SQL[] = [];
  if (f.webhook !== undefined) {
    const h = deps.db.select().from(pbxWebhooks).where(eq(pbxWebhooks.name, f.webhook)).get();
    if (!h) throw invalidInput(`webhook: no webhook named ${f.webhook}`);
    where.push(eq(pbxDeliveries.webhookId, h.id));
  }
  if (f.state !== undefined) where.push(eq(pbxDeliveries.state, f.state));
  return deps.db
    .select({ d: pbxDeliveries, e: pbxEvents, webhook: pbxWebhooks.name })
    .from(pbxDeliveries)
    .innerJoin(pbxEvents, eq(pbxEvents.id, pbxDeliveries.eventId))
    .innerJoin(pbxWebhooks, eq(pbxWebhooks.id, pbxDeliveries.webhookId))
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(pbxDeliveries.eventId), asc(pbxWebhooks.name))
    .limit(f.limit)
    .all()
    .map(({ d, e, webhook }) => ({
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
