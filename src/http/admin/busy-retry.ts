import type { Middleware, Next } from "koa";
import { BUSY_RETRY_AFTER_SECONDS, DatabaseBusyError, isBusy } from "../../db/busy.ts";
import type { AdminContext } from "./roles.ts";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const PAUSE_MS = 50;

const busy = (err: unknown) => err instanceof DatabaseBusyError || isBusy(err);

/**
 * Runs `dispatch` (the routers) again while another process holds the database's write lock, for up
 * to `timeoutMs`, pausing asynchronously between attempts so phones keep being served; then answers
 * 503 `database_busy`. A request is only re-run when its body was parsed before the routers (JSON):
 * a streamed upload (CSV import, firmware image) cannot be read twice, so it gets the 503 at once.
 * Re-running is safe: a write that met the lock never started its transaction, and nothing leaves the
 * process (NOTIFYs, answers) before a transaction commits.
 */
export function retryWhileBusy(dispatch: (ctx: AdminContext, next: Next) => Promise<unknown>, timeoutMs: number): Middleware {
  return async (ctx, next) => {
    const c = ctx as unknown as AdminContext;
    const streamed = c.is("text/csv", "application/octet-stream") !== false;
    const started = Date.now();
    for (;;) {
      try {
        await dispatch(c, next);
        return;
      } catch (err) {
        if (!busy(err)) throw err;
        const waited = Date.now() - started;
        if (streamed || waited + PAUSE_MS > timeoutMs) {
          ctx.set("Retry-After", String(BUSY_RETRY_AFTER_SECONDS));
          throw err instanceof DatabaseBusyError && waited === 0 ? err : new DatabaseBusyError(waited);
        }
        await sleep(PAUSE_MS);
      }
    }
  };
}
