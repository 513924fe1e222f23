import { asc } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Data } from "../../src/db/data.ts";
import { withActor } from "../../src/services/actor.ts";
import { parseAuditFilter, queryAudit } from "../../src/services/audit-query.ts";
import type { ServiceDeps } from "../../src/services/deps.ts";
import { TenantInput } from "../../src/services/schemas.ts";
import { createTenant } from "../../src/services/tenants.ts";
import { createToken, listTokens, revokeToken, verifyToken } from "../../src/services/tokens.ts";
import { convertedDeps, dataDialects } from "../helpers/data-dialects.ts";
import { usePostgres } from "../helpers/postgres.ts";
import { refuseAudit } from "../helpers/ddl.ts";

/**
 * API tokens (the admin API's token check) and the audit listing on the asynchronous handle: the
 * same tests on SQLite and PostgreSQL.
 */
const postgres = usePostgres();
const NOW = new Date("2026-12-01T10:00:00Z");

const tokenRows = (data: Data) => data.read((q) => q.db.select().from(q.t.apiTokens).orderBy(asc(q.t.apiTokens.id)));
const auditRows = (data: Data) => data.read((q) => q.db.select().from(q.t.auditLog).orderBy(asc(q.t.auditLog.id)));

describe.each(dataDialects(postgres))("API tokens on $name", (dialect) => {
  let data: Data;
  let deps: ServiceDeps;
  let now = NOW.getTime();
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ data, cleanup } = await dialect.open());
    now = NOW.getTime();
    deps = convertedDeps(data, () => new Date(now));
    await createTenant(deps, TenantInput.parse({ sipDomain: "a.example", sipServerHost: "pbx.a.example" }));
  });
  afterEach(async () => cleanup());

  it("creates a token shown once, stores its hash only, names an unnamed one after its id, and audits both", async () => {
    const named = await withActor("cli", () => createToken(deps, "admin", "ops"));
    const unnamed = await createToken(deps, "readonly");
    expect(named.row).toMatchObject({ name: "ops", role: "admin", tenantScope: null, createdAt: NOW.getTime() });
    expect(unnamed.row.name).toBe(`readonly-${unnamed.row.id}`);
    const stored = await tokenRows(data);
    expect(stored.map((r) => r.name)).toEqual(["ops", `readonly-${unnamed.row.id}`]);
    expect(JSON.stringify(stored)).not.toContain(named.token);
    const audit = (await auditRows(data)).filter((a) => a.action === "token.create");
    expect(audit.map((a) => [a.actor, a.target])).toEqual([
      ["cli", `token:${named.row.id}`],
      ["system", `token:${unnamed.row.id}`],
    ]);
  });

  it("scopes a pbx token to existing tenants, sorted and once each", async () => {
    await createTenant(deps, TenantInput.parse({ sipDomain: "b.example", sipServerHost: "pbx.b.example" }));
    const { row } = await createToken(deps, "pbx", "asterisk", ["b.example", "a.example", "b.example"]);
    expect(row.tenantScope).toEqual(["a.example", "b.example"]);
  });

  it("refuses a bad name, tenants on the wrong role and an unknown tenant, writing nothing", async () => {
    const before = { tokens: await tokenRows(data), audit: await auditRows(data) };
    await expect(createToken(deps, "admin", "cli")).rejects.toMatchObject({ status: 400, message: /cannot name a token/ });
    await expect(createToken(deps, "pbx", "x")).rejects.toMatchObject({ status: 400, message: /needs at least one tenant/ });
    await expect(createToken(deps, "readonly", "x", ["a.example"])).rejects.toMatchObject({ status: 400, message: /only a pbx token takes --tenant/ });
    await expect(createToken(deps, "pbx", "x", ["a.example", "nope.example"])).rejects.toMatchObject({ status: 404, message: "no tenant named nope.example" });
    expect({ tokens: await tokenRows(data), audit: await auditRows(data) }).toEqual(before);
  });

  it("verifies a live token, stamps its use at most once a minute, and refuses a revoked or unknown one", async () => {
    const { token, row } = await createToken(deps, "technician", "field");
    expect(await verifyToken(deps, token)).toMatchObject({ id: row.id, role: "technician" });
    expect((await tokenRows(data))[0]!.lastUsedAt).toBe(now);
    const stamped = now;
    now += 30_000;
    await verifyToken(deps, token);
    expect((await tokenRows(data))[0]!.lastUsedAt).toBe(stamped);
    now += 31_000;
    await verifyToken(deps, token);
    expect((await tokenRows(data))[0]!.lastUsedAt).toBe(now);
    expect(await verifyToken(deps, `ph_${"A".repeat(43)}`)).toBeNull();
    expect(await verifyToken(deps, "not-a-token")).toBeNull();
    await revokeToken(deps, row.id);
    expect(await verifyToken(deps, token)).toBeNull();
    expect((await listTokens(deps)).map((t) => [t.id, t.revokedAt])).toEqual([[row.id, now]]);
    expect((await auditRows(data)).map((a) => a.action)).toContain("token.revoke");
  });

  it("refuses to revoke an unknown token with a 404, writing nothing", async () => {
    const before = await auditRows(data);
    await expect(revokeToken(deps, 999)).rejects.toMatchObject({ status: 404, message: "no token with id 999" });
    expect(await auditRows(data)).toEqual(before);
  });

  it("creates no token when the audit row of its creation fails", async () => {
    await refuseAudit(data, "token.create");
    // The unnamed token is inserted, then renamed, then audited: the failure comes after both writes.
    await expect(createToken(deps, "readonly")).rejects.toBeTruthy();
    expect(await tokenRows(data)).toEqual([]);
  });
});

describe.each(dataDialects(postgres))("the audit listing on $name", (dialect) => {
  let data: Data;
  let deps: ServiceDeps;
  let cleanup: () => Promise<void>;
  const at = NOW.getTime();

  beforeEach(async () => {
    ({ data, cleanup } = await dialect.open());
    deps = convertedDeps(data, () => NOW);
    const t = await createTenant(deps, TenantInput.parse({ sipDomain: "a.example", sipServerHost: "pbx.a.example" }));
    await data.write(async (q) => {
      await q.db.insert(q.t.auditLog).values([
        { at: at + 1, actor: "token:ops", action: "extension.update", target: "extension:a.example/202", tenantId: t.id, extension: "202", outcome: "ok" },
        { at: at + 2, actor: "registrar:kamailio", action: "registration.registered", target: "aor:sip:202@a.example", tenantId: t.id, extension: "a.example/202", outcome: "ok" },
        { at: at + 3, actor: "token:ops", action: "extensions.import", target: "import:1", tenantId: t.id, outcome: "ok" },
      ]);
      await q.db.insert(q.t.fetchLog).values([
        { at: at + 4, mac: "805ec0000001", tenantId: t.id, sourceIp: "127.0.0.5", transport: "http", fileName: "805ec0000001.cfg", status: 200, outcome: "served", credentials: "201,202" },
        { at: at + 5, mac: "805ec0000002", tenantId: t.id, sourceIp: "127.0.0.6", transport: "http", fileName: "805ec0000002.cfg", status: 401, outcome: "refused", credentials: "2020" },
      ] as never);
    });
  });
  afterEach(async () => cleanup());

  const list = async (input: Record<string, unknown>) => (await queryAudit(deps, parseAuditFilter(input, NOW.getTime() + 10))).map((e) => `${e.type}:${e.action}`);

  it("finds an extension by number and by tenant/number, in changes, registrations and fetched files", async () => {
    expect(await list({ extension: "202" })).toEqual(["fetch:fetch.served", "admin:registration.registered", "admin:extension.update"]);
    expect(await list({ extension: "a.example/202", type: "admin" })).toEqual(["admin:registration.registered", "admin:extension.update"]);
  });

  it("matches an action by its first part only at a dot, and fetches by outcome", async () => {
    expect(await list({ action: "extension" })).toEqual(["admin:extension.update"]);
    expect(await list({ action: "extensions" })).toEqual(["admin:extensions.import"]);
    expect(await list({ action: "fetch.refused" })).toEqual(["fetch:fetch.refused"]);
  });

  it("filters by actor and source, time and tenant, and pages", async () => {
    expect(await list({ actor: "token:ops" })).toEqual(["admin:extensions.import", "admin:extension.update"]);
    expect(await list({ actor: "source:127.0.0.6" })).toEqual(["fetch:fetch.refused"]);
    expect(await list({ since: new Date(at + 3).toISOString(), until: new Date(at + 4).toISOString() })).toEqual(["fetch:fetch.served", "admin:extensions.import"]);
    expect(await list({ limit: "2", offset: "1" })).toEqual(["fetch:fetch.served", "admin:extensions.import"]);
    await expect(queryAudit(deps, parseAuditFilter({ tenant: "nope.example" }, at))).rejects.toMatchObject({ status: 404 });
  });
});
