import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { and, eq, lte, or } from "drizzle-orm";
import type { Logger } from "pino";
import type { Data } from "./data.ts";

/**
 * Which process runs a periodic pass, when several serve one database (docs/scale-out.md): each
 * pass has a row in `job_leases`; the process that holds it renews it at every pass, and another
 * process takes it only once it has run out (its holder stopped, or stalled for longer than the
 * lease). So in the normal case one node runs registration expiry, the hot-desk sweep and the other
 * passes, and a node that dies hands them over within one lease. Each pass stays correct should two
 * processes ever run it at once (a stall longer than the lease): its changes are transactions that
 * re-read what they change.
 *
 * The lease is one statement that the database locks itself (an upsert that changes the row only
 * when it is free or already ours): READ COMMITTED on PostgreSQL, docs/scale-out.md#transactions.
 */

/** This process, as a lease holder: the host, the pid, and a random part (a pid is reused after a restart). */
const THIS_PROCESS = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;

/** Takes or renews the lease on `name` for `ms` from `now`; false when another holder's lease still runs. */
export async function takeLease(data: Data, name: string, now: number, ms: number, holder = THIS_PROCESS): Promise<boolean> {
  const taken = await data.write(
    (q) =>
      q.db
        .insert(q.t.jobLeases)
        .values({ name, holder, until: now + ms })
        .onConflictDoUpdate({
          target: q.t.jobLeases.name,
          set: { holder, until: now + ms },
          setWhere: or(eq(q.t.jobLeases.holder, holder), lte(q.t.jobLeases.until, now)),
        })
        .returning({ name: q.t.jobLeases.name }),
    { isolation: "read committed" },
  );
  return taken.length > 0;
}

/** Gives the lease up (at a clean stop), so that another process takes the pass over at once. */
export async function releaseLease(data: Data, name: string, holder = THIS_PROCESS): Promise<void> {
  await data.write((q) => q.db.delete(q.t.jobLeases).where(and(eq(q.t.jobLeases.name, name), eq(q.t.jobLeases.holder, holder))), { isolation: "read committed" });
}

export interface PeriodicPass {
  /** The lease's name: one per kind of pass (`registrations`, `hot-desk-sweep`, ...). */
  readonly name: string;
  readonly intervalMs: number;
  /** What the log says when a pass throws ("registration check failed"). */
  readonly failure: string;
  readonly work: () => Promise<void> | void;
  /** Who holds the lease; this process unless named (tests run two holders in one process). */
  readonly holder?: string;
}

/**
 * Runs `pass` every `intervalMs` on the one process that holds its lease (three intervals long,
 * renewed at each pass), never two of this process at once; errors are logged, never thrown. The
 * first pass runs after one interval. stop() ends the timer and gives the lease up.
 */
export function startPeriodicPass(deps: { readonly data: Data; readonly clock: () => Date; readonly logger: Logger }, pass: PeriodicPass): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const leaseMs = pass.intervalMs * 3;
  const holder = pass.holder ?? THIS_PROCESS;
  const once = async () => {
    if (await takeLease(deps.data, pass.name, deps.clock().getTime(), leaseMs, holder)) await pass.work();
  };
  const tick = () => {
    if (running) return;
    running = once()
      .catch((err: unknown) => deps.logger.error({ err }, pass.failure))
      .finally(() => (running = null));
  };
  const timer = setInterval(tick, pass.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await releaseLease(deps.data, pass.name, holder).catch((err: unknown) => deps.logger.warn({ err, pass: pass.name }, "giving up a pass's lease failed"));
    },
  };
}
