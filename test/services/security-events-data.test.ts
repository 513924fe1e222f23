import { asc } from "drizzle-orm";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Data } from "../../src/db/data.ts";
import { insertAudit } from "../../src/services/audit.ts";
import { pruneAudit, tenantAlert } from "../../src/services/security-events.ts";
import { TenantInput } from "../../src/services/schemas.ts";
import { createTenant } from "../../src/services/tenants.ts";
import { convertedDeps, dataDialects } from "../helpers/data-dialects.ts";
import { usePostgres } from "../helpers/postgres.ts";
import { runDdl } from "../helpers/ddl.ts";

/**
 * The tenant authentication alert and the audit trail's retention on the asynchronous handle: the
 * same tests on SQLite and PostgreSQL.
 */
const postgres = usePostgres();
const TENANT = "acme.example";
const NOW = new Date("2026-12-01T10:00:00Z").getTime();
const quiet = pino({ level: "silent" });

/** A clock that fails on its nth call. */
function failingClock(n: number): () => Date {
  let calls = 0;
  return () => {
    if (++calls === n) throw new Error("clock failed midway");
    return new Date(NOW);
  };
}

describe.each(dataDialects(postgres))("tenant alert on $name", (dialect) => {
  let data: Data;
  let cleanup: () => Promise<void>;
  let deps: ReturnType<typeof convertedDeps> & { logger: typeof quiet };

  beforeEach(async () => {
    ({ data, cleanup } = await dialect.open());
    deps = { ...convertedDeps(data, () => new Date(NOW)), logger: quiet };
    await createTenant(deps, TenantInput.parse({ name: TENANT, sipDomain: "sip.acme.example", sipServerHost: "pbx.acme.example" }));
  });
  afterEach(async () => cleanup());

  it("records a tenant's authentication alert, and never throws", async () => {
    const [{ id: tenantId }] = (await data.read((q) => q.db.select({ id: q.t.tenants.id }).from(q.t.tenants))) as [{ id: number }];
    await tenantAlert(deps, tenantId, 42);
    await tenantAlert({ ...deps, clock: failingClock(1) }, tenantId, 43);
    const alerts = (await data.read((q) => q.db.select().from(q.t.auditLog).orderBy(asc(q.t.auditLog.id)))).filter((a) => a.action === "security.tenant_auth_failures");
    expect(alerts.map((a) => [a.actor, a.target, a.tenantId, a.outcome, a.detail])).toEqual([["system", `tenant:${TENANT}`, tenantId, "alert", "42 failed authentications in the window"]]);
  });
});

/** Runs DDL in the dialect's own form (a trigger is written differently on each). */
describe.each(dataDialects(postgres))("audit retention on $name", (dialect) => {
  let data: Data;
  let cleanup: () => Promise<void>;
  const DAY = 86_400_000;

  beforeEach(async () => {
    ({ data, cleanup } = await dialect.open());
    await data.write(async (q) => {
      for (const [at, what] of [[NOW - 400 * DAY, "old"], [NOW - 10 * DAY, "recent"]] as const) {
        await insertAudit(q, at, { actor: "system", action: `test.${what}`, target: "x" });
        const fetch = { at, transport: "http", fileName: "y000000000000.cfg", outcome: "served", status: 200 };
        await q.db.insert(q.t.fetchLog).values([
          { ...fetch, sourceIp: `198.51.100.1` },
          { ...fetch, sourceIp: `198.51.100.2`, outcome: "unauthorized", status: 401, anonKey: `${what}|198.51.100.2`, count: 7 },
        ]);
      }
    });
  });
  afterEach(async () => cleanup());

  const left = () =>
    data.read(async (q) => ({
      audit: (await q.db.select().from(q.t.auditLog).orderBy(asc(q.t.auditLog.id))).map((a) => a.action),
      fetches: (await q.db.select().from(q.t.fetchLog).orderBy(asc(q.t.fetchLog.id))).map((f) => `${f.at === NOW - 400 * DAY ? "old" : "recent"} ${f.anonKey ? "anonymous" : "authenticated"}`),
    }));

  it("deletes the rows past the retention, and the anonymous ones past theirs", async () => {
    const deps = { data, clock: () => new Date(NOW) };
    expect(await pruneAudit(deps, 0, 0)).toEqual({ audit: 0, fetches: 0 });
    expect(await pruneAudit(deps, 365, 7)).toEqual({ audit: 1, fetches: 3 });
    expect(await left()).toEqual({ audit: ["test.recent"], fetches: ["recent authenticated"] });
    expect(await pruneAudit(deps, 365, 7)).toEqual({ audit: 0, fetches: 0 });
  });

  it("deletes nothing when the prune fails midway", async () => {
    await runDdl(data, {
      sqlite: `CREATE TRIGGER refuse_prune BEFORE DELETE ON fetch_log BEGIN SELECT RAISE(ABORT, 'prune refused'); END`,
      postgres: `CREATE FUNCTION refuse_prune() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'prune refused'; END $$;
        CREATE TRIGGER refuse_prune BEFORE DELETE ON fetch_log FOR EACH ROW EXECUTE FUNCTION refuse_prune()`,
    });
    const before = await left();
    // The audit rows go first, then the fetch log refuses.
    const err = (await pruneAudit({ data, clock: () => new Date(NOW) }, 365, 7).then(() => null, (e: unknown) => e)) as (Error & { cause?: Error }) | null;
    expect(`${err?.message} ${err?.cause?.message ?? ""}`).toMatch(/prune refused/);
    expect(await left()).toEqual(before);
    expect(before.audit).toEqual(["test.old", "test.recent"]);
  });
});
