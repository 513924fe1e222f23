import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Data } from "../../src/db/data.ts";
import { releaseLease, startPeriodicPass, takeLease } from "../../src/db/leases.ts";
import { dataDialects } from "../helpers/data-dialects.ts";
import { usePostgres } from "../helpers/postgres.ts";

/**
 * Periodic passes run by one process of several on one database (src/db/leases.ts): the same body
 * on each database. Two holders stand for two nodes.
 */
const postgres = usePostgres();
const T0 = Date.UTC(2026, 11, 2, 9, 0, 0);

async function until(what: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(dataDialects(postgres))("pass leases on $name", (dialect) => {
  let data: Data;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ data, cleanup } = await dialect.open());
  });
  afterEach(() => cleanup());

  it("gives a free lease to one holder, renews it for that holder, and hands it over only once it has run out", async () => {
    expect(await takeLease(data, "sweep", T0, 3000, "node-a")).toBe(true);
    expect(await takeLease(data, "sweep", T0 + 1000, 3000, "node-b")).toBe(false);
    expect(await takeLease(data, "sweep", T0 + 2000, 3000, "node-a")).toBe(true);
    // Renewed at T0+2000 until T0+5000: still node A's at T0+4999.
    expect(await takeLease(data, "sweep", T0 + 4999, 3000, "node-b")).toBe(false);
    expect(await takeLease(data, "sweep", T0 + 5000, 3000, "node-b")).toBe(true);
    expect(await takeLease(data, "sweep", T0 + 5001, 3000, "node-a")).toBe(false);
    // Another pass's lease is its own.
    expect(await takeLease(data, "retention", T0 + 5001, 3000, "node-a")).toBe(true);
  });

  it("lets exactly one of several holders asking at once take a free lease", async () => {
    const asks = await Promise.all(["a", "b", "c", "d"].map((h) => takeLease(data, "sweep", T0, 3000, h)));
    expect(asks.filter(Boolean)).toHaveLength(1);
  });

  it("frees a released lease at once, and only the holder's own release frees it", async () => {
    await takeLease(data, "sweep", T0, 3000, "node-a");
    await releaseLease(data, "sweep", "node-b");
    expect(await takeLease(data, "sweep", T0 + 1, 3000, "node-b")).toBe(false);
    await releaseLease(data, "sweep", "node-a");
    expect(await takeLease(data, "sweep", T0 + 1, 3000, "node-b")).toBe(true);
  });

  it("runs a periodic pass on one of two nodes, and on the other once the first stops", async () => {
    const runs = { a: 0, b: 0 };
    // The lease's clock stands still: however slow this machine, node A's lease never runs out, so
    // only A's clean stop (which gives the lease up) hands the pass over. Running out is tested above.
    const deps = { data, clock: () => new Date(T0), logger: pino({ level: "silent" }) };
    const pass = (holder: "a" | "b") =>
      startPeriodicPass(deps, { name: "sweep", intervalMs: 20, failure: "sweep failed", holder, work: () => void runs[holder]++ });
    const a = pass("a");
    await until(() => runs.a >= 1);
    const b = pass("b");
    await until(() => runs.a >= 6);
    expect(runs.b).toBe(0);
    await a.stop();
    const ranA = runs.a;
    await until(() => runs.b >= 3);
    expect(runs.a).toBe(ranA);
    await b.stop();
  });
});
