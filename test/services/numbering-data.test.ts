import { asc, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Data } from "../../src/db/data.ts";
import { DEFAULT_NUMBERING_PLAN } from "../../src/domain/numbering-plan.ts";
import { withActor } from "../../src/services/actor.ts";
import type { ServiceDeps } from "../../src/services/deps.ts";
import { getNumberingPlan, resetNumberingPlan, setNumberingPlan } from "../../src/services/numbering.ts";
import { startAdminApp, type AdminApp } from "../helpers/admin-app.ts";
import { convertedDeps, dataDialects } from "../helpers/data-dialects.ts";
import { usePostgres } from "../helpers/postgres.ts";

/**
 * The numbering plan, the first service on the asynchronous handle (docs/scale-out.md#conversion-order):
 * the same tests on SQLite and PostgreSQL, through the service and through the admin API.
 */
const postgres = usePostgres();
const TENANT = "acme.example";
const NOW = new Date("2026-12-01T10:00:00Z");
const DOOR_PHONES = { restricted: [{ from: 600, to: 649, purpose: "Door phones" }], recommended: [{ from: 100, to: 999, purpose: "Everything" }] };
const LOBBY = { restricted: [{ from: 700, to: 701, purpose: "Lobby" }], recommended: [] };
const DEFAULT = { ...DEFAULT_NUMBERING_PLAN, custom: false };

async function addTenant(data: Data, name = TENANT): Promise<void> {
  const at = NOW.getTime();
  await data.write(async (q) => {
    await q.db.insert(q.t.tenants).values({ name, sipDomain: name, sipServerHost: `pbx.${name}`, createdAt: at, updatedAt: at });
  });
}

const auditRows = (data: Data) =>
  data.read((q) => q.db.select().from(q.t.auditLog).where(eq(q.t.auditLog.action, "tenant.numbering_plan")).orderBy(asc(q.t.auditLog.id)));

const planRows = (data: Data) => data.read((q) => q.db.select().from(q.t.numberingPlans));

describe.each(dataDialects(postgres))("numbering plan service on $name", (dialect) => {
  let data: Data;
  let deps: ServiceDeps;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ data, cleanup } = await dialect.open());
    deps = convertedDeps(data, () => NOW);
    await addTenant(data);
  });
  afterEach(async () => cleanup());

  it("gives a tenant without its own plan the star-code document's tables", async () => {
    expect(await getNumberingPlan(deps, TENANT)).toEqual(DEFAULT);
  });

  it("replaces both tables, and records in the audit what it replaced and by whom", async () => {
    const saved = await withActor("cli", () => setNumberingPlan(deps, TENANT, DOOR_PHONES));
    expect(saved).toEqual({ ...DOOR_PHONES, custom: true });
    expect(await getNumberingPlan(deps, TENANT)).toEqual(saved);
    const reset = await withActor("cli", () => resetNumberingPlan(deps, TENANT));
    expect(reset).toEqual(DEFAULT);
    expect(await planRows(data)).toEqual([]);
    const audit = await auditRows(data);
    expect(audit.map(({ actor, target, at, before, after }) => ({ actor, target, at, before, after }))).toEqual([
      { actor: "cli", target: `tenant:${TENANT}`, at: NOW.getTime(), before: DEFAULT, after: saved },
      { actor: "cli", target: `tenant:${TENANT}`, at: NOW.getTime(), before: saved, after: DEFAULT },
    ]);
  });

  it("refuses an unknown tenant with a 404 naming it, and writes nothing", async () => {
    await expect(setNumberingPlan(deps, "nope.example", DOOR_PHONES)).rejects.toMatchObject({ status: 404, message: "no tenant named nope.example" });
    await expect(resetNumberingPlan(deps, "nope.example")).rejects.toMatchObject({ status: 404 });
    await expect(getNumberingPlan(deps, "nope.example")).rejects.toMatchObject({ status: 404 });
    expect(await planRows(data)).toEqual([]);
    expect(await auditRows(data)).toEqual([]);
  });

  it("lets twelve admins of twelve tenants replace their plans at once, each write succeeding", async () => {
    const names = Array.from({ length: 12 }, (_, i) => `t${i}.${TENANT}`);
    for (const name of names) await addTenant(data, name);
    // Every such write bumps the one render-generation row: on PostgreSQL the writers queue on the
    // writer lock instead of failing each other at SERIALIZABLE (src/db/data-pg.ts).
    const saved = await Promise.all(names.map((name) => withActor("cli", () => setNumberingPlan(deps, name, LOBBY))));
    expect(saved).toEqual(names.map(() => ({ ...LOBBY, custom: true })));
    expect(await planRows(data)).toHaveLength(12);
  });

  it("keeps the audit trail whole when two admins replace the plan at once: each records what the other left", async () => {
    await Promise.all([setNumberingPlan(deps, TENANT, DOOR_PHONES), setNumberingPlan(deps, TENANT, LOBBY)]);
    const [first, second] = await auditRows(data);
    expect(first!.before).toEqual(DEFAULT);
    expect(second!.before).toEqual(first!.after);
    expect(await getNumberingPlan(deps, TENANT)).toEqual(second!.after);
    expect(await planRows(data)).toHaveLength(1);
  });
});

describe.each([
  { name: "SQLite (the runtime's own handle)", pg: false },
  { name: "PostgreSQL", pg: true },
])("the numbering-plan routes of the admin API on $name", ({ pg }) => {
  let app: AdminApp;
  let data: Data;
  let cleanup: () => Promise<void> = async () => undefined;
  const N = `/tenants/${TENANT}/numbering-plan`;

  beforeEach(async () => {
    if (pg) {
      ({ data, cleanup } = await dataDialects(postgres).find((d) => d.name === "PostgreSQL")!.open());
      app = await startAdminApp({}, { data });
    } else {
      app = await startAdminApp();
      data = app.runtime.data;
    }
    await addTenant(data);
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  it("reads, replaces and resets the plan, with the audit row under the token's name", async () => {
    expect((await app.call("GET", N)).json).toEqual(DEFAULT);
    const put = await app.call("PUT", N, DOOR_PHONES);
    expect(put.status).toBe(200);
    expect(put.json).toEqual({ ...DOOR_PHONES, custom: true });
    expect((await app.call("GET", N, undefined, "readonly")).json).toEqual({ ...DOOR_PHONES, custom: true });
    expect((await planRows(data)).map((r) => r.restricted)).toEqual([DOOR_PHONES.restricted]);
    const del = await app.call("DELETE", N);
    expect(del.json).toEqual(DEFAULT);
    expect((await auditRows(data)).map((r) => r.actor)).toEqual(["token:admin", "token:admin"]);
  });

  it("refuses a range ending below its start, naming the field, and changes nothing", async () => {
    await app.call("PUT", N, DOOR_PHONES);
    const bad = await app.call("PUT", N, { restricted: [{ from: 5, to: 1, purpose: "x" }], recommended: [] });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/restricted\[0\]\.to: must not be below from/);
    expect((await app.call("GET", N)).json).toEqual({ ...DOOR_PHONES, custom: true });
    expect(await auditRows(data)).toHaveLength(1);
  });

  it("answers 404 for an unknown tenant and 403 for a read-only token's write", async () => {
    const unknown = await app.call("PUT", "/tenants/nope.example/numbering-plan", DOOR_PHONES);
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.message).toBe("no tenant named nope.example");
    expect((await app.call("PUT", N, DOOR_PHONES, "readonly")).status).toBe(403);
    expect(await planRows(data)).toEqual([]);
  });
});
