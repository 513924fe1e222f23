import { and, asc, eq, isNull, lte, or } from "drizzle-orm";
import type { Logger } from "pino";
import { first, type Query } from "../db/data.ts";
import type { pbxDeliveries } from "../db/schema.ts";
import { insertAudit } from "../services/audit.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { signatureOf, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "./signature.ts";

export interface FeedSettings {
  readonly intervalMs: number;
  /** Per attempt. */
  readonly timeoutMs: number;
  /** Attempts before a delivery is given up (`failed`) and the extension's next event goes. */
  readonly maxAttempts: number;
  /** Wait after the first failure; doubles after each further one, up to `maxBackoffMs`. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  /** How long a sender holds a delivery it is sending (another node leaves it alone meanwhile). */
  readonly leaseMs: number;
}

export const DEFAULT_FEED: FeedSettings = { intervalMs: 250, timeoutMs: 5000, maxAttempts: 10, backoffMs: 1000, maxBackoffMs: 300_000, leaseMs: 30_000 };

type FeedDeps = ServiceDeps & { readonly logger: Logger };
type Delivery = typeof pbxDeliveries.$inferSelect;

/** Wait before attempt `attempts + 1`, after `attempts` failures. */
const backoff = (s: FeedSettings, attempts: number): number => Math.min(s.maxBackoffMs, s.backoffMs * 2 ** Math.max(0, attempts - 1));

/** A pending delivery whose time has come and that no sender holds (a lease ending at `now` is over). */
const sendable = (q: Query, now: number) => {
  const d = q.t.pbxDeliveries;
  return and(eq(d.state, "pending"), lte(d.nextAttemptAt, now), or(isNull(d.leaseUntil), lte(d.leaseUntil, now)));
};

/**
 * The deliveries to send now: per webhook and extension only the oldest pending one (so events
 * of one extension arrive in order), when its time has come and no sender holds it. Claimed in
 * one transaction, serializable on PostgreSQL (the default): the heads are read, then leased, and
 * a lease taken by another process between the two makes its UPDATE change no row; so no delivery
 * is sent by two processes.
 */
async function claimDue(deps: FeedDeps, s: FeedSettings): Promise<Delivery[]> {
  const now = deps.clock().getTime();
  // The server asks four times a second: with nothing to send it takes no write lock, so the event
  // loop that answers phones never waits for another writer's transaction (the fetch-log thread's).
  const any = await deps.data.read(async (q) => first(await q.db.select({ id: q.t.pbxDeliveries.eventId }).from(q.t.pbxDeliveries).where(sendable(q, now)).limit(1)));
  if (!any) return [];
  return deps.data.write(async (q) => {
    const dv = q.t.pbxDeliveries;
    const pending = await q.db.select().from(dv).where(eq(dv.state, "pending")).orderBy(asc(dv.eventId), asc(dv.webhookId));
    const heads = new Map<string, Delivery>();
    for (const d of pending) if (!heads.has(`${d.webhookId}|${d.extensionKey}`)) heads.set(`${d.webhookId}|${d.extensionKey}`, d);
    const claimed: Delivery[] = [];
    for (const [, d] of heads) {
      if (d.nextAttemptAt > now || (d.leaseUntil !== null && d.leaseUntil > now)) continue;
      const leased = await q.db
        .update(dv)
        .set({ leaseUntil: now + s.leaseMs })
        .where(and(eq(dv.eventId, d.eventId), eq(dv.webhookId, d.webhookId), sendable(q, now)))
        .returning({ eventId: dv.eventId });
      if (leased.length === 1) claimed.push(d);
    }
    return claimed;
  });
}

async function send(deps: FeedDeps, s: FeedSettings, d: Delivery): Promise<{ status: number | null; error: string | null }> {
  const { hook, event } = await deps.data.read(async (q) => ({
    hook: first(await q.db.select().from(q.t.pbxWebhooks).where(eq(q.t.pbxWebhooks.id, d.webhookId)).limit(1)),
    event: first(await q.db.select().from(q.t.pbxEvents).where(eq(q.t.pbxEvents.id, d.eventId)).limit(1)),
  }));
  if (!hook || !event) return { status: null, error: "webhook or event removed" };
  const body = JSON.stringify(event.payload);
  const ts = Math.floor(deps.clock().getTime() / 1000);
  try {
    const res = await fetch(hook.url, {
      method: "POST",
      redirect: "manual",
      signal: AbortSignal.timeout(s.timeoutMs),
      headers: {
        "content-type": "application/json",
        "user-agent": "phonehome-change-feed",
        "phonehome-event": event.type,
        "phonehome-delivery": String(event.id),
        [TIMESTAMP_HEADER]: String(ts),
        [SIGNATURE_HEADER]: signatureOf(deps.secrets.open(hook.secretEnc), ts, body),
      },
      body,
    });
    await res.arrayBuffer().catch(() => undefined);
    return res.status >= 200 && res.status < 300 ? { status: res.status, error: null } : { status: res.status, error: `answered ${res.status}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { status: null, error: e.name === "TimeoutError" ? `no answer within ${s.timeoutMs} ms` : (e.cause?.code ?? e.message).slice(0, 200) };
  }
}

/** Records one attempt: delivered, or failed with its retry or give-up and the audit row, in one transaction. */
async function settle(deps: FeedDeps, s: FeedSettings, d: Delivery, out: { status: number | null; error: string | null }): Promise<void> {
  const now = deps.clock().getTime();
  await deps.data.write(async (q) => {
    const { pbxDeliveries: dv, pbxWebhooks: wh } = q.t;
    const where = and(eq(dv.eventId, d.eventId), eq(dv.webhookId, d.webhookId));
    if (!out.error) {
      await q.db.update(dv).set({ state: "delivered", attempts: d.attempts + 1, lastStatus: out.status, lastError: null, deliveredAt: now, leaseUntil: null }).where(where);
      return;
    }
    const attempts = d.attempts + 1;
    const giveUp = attempts >= s.maxAttempts;
    await q.db
      .update(dv)
      .set({ state: giveUp ? "failed" : "pending", attempts, lastStatus: out.status, lastError: out.error, nextAttemptAt: now + backoff(s, attempts), leaseUntil: null })
      .where(where);
    const hook = first(await q.db.select({ name: wh.name }).from(wh).where(eq(wh.id, d.webhookId)).limit(1));
    await insertAudit(q, now, {
      actor: "system",
      action: giveUp ? "pbx_webhook.delivery_failed" : "pbx_webhook.delivery_retry",
      target: `pbx_webhook:${hook?.name ?? d.webhookId}`,
      extension: d.extensionKey,
      outcome: "failed",
      detail: `event ${d.eventId}, attempt ${attempts} of ${s.maxAttempts}: ${out.error}${giveUp ? "; given up" : `; next in ${backoff(s, attempts)} ms`}`,
    });
  });
}

/** One pass: sends every due delivery (one per extension queue), records the outcomes. */
export async function deliverDue(deps: FeedDeps, s: FeedSettings = DEFAULT_FEED): Promise<number> {
  const due = await claimDue(deps, s);
  await Promise.all(due.map(async (d) => settle(deps, s, d, await send(deps, s, d))));
  return due.length;
}

/** Runs `deliverDue` every `intervalMs` until stopped; errors are logged, never thrown. */
export function startPbxFeed(deps: FeedDeps, s: FeedSettings = DEFAULT_FEED): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = deliverDue(deps, s)
      .then(() => undefined)
      .catch((err) => deps.logger.error({ err }, "change feed delivery failed"))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, s.intervalMs).unref();
      });
  };
  timer = setTimeout(tick, s.intervalMs).unref();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
