import { asc } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Data } from "../../src/db/data.ts";
import { createToken } from "../../src/services/tokens.ts";
import { startAdminApp, type AdminApp } from "../helpers/admin-app.ts";
import { dataDialects } from "../helpers/data-dialects.ts";
import { addTenant } from "../helpers/device-data.ts";
import { usePostgres } from "../helpers/postgres.ts";

/**
 * The PBX routes of the admin API on the asynchronous handle, on the runtime's SQLite file and on
 * PostgreSQL: webhooks and deliveries for admins, credentials and the FreeSWITCH directory for a
 * `pbx` token limited to its tenants.
 */
const postgres = usePostgres();
const TENANT = "acme.example";

describe.each([
  { name: "SQLite (the runtime's own handle)", pg: false },
  { name: "PostgreSQL", pg: true },
])("the PBX routes of the admin API on $name", ({ pg }) => {
  let app: AdminApp;
  let data: Data;
  let cleanup: () => Promise<void> = async () => undefined;

  beforeEach(async () => {
    if (pg) {
      ({ data, cleanup } = await dataDialects(postgres).find((d) => d.name === "PostgreSQL")!.open());
      app = await startAdminApp({}, { data });
    } else {
      app = await startAdminApp();
      data = app.runtime.data;
    }
    await addTenant(data, TENANT);
    await addTenant(data, "other.example");
    // A pbx token names its tenants, which startAdminApp's roles cannot: made here, used as the "pbx" role.
    (app.tokens as Partial<Record<string, string>>).pbx = (await createToken({ ...app.runtime, data }, "pbx", "asterisk", [TENANT])).token;
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  it("adds, lists and removes a webhook, and shows the deliveries of an extension's change", async () => {
    const created = await app.call("POST", "/pbx/webhooks", { name: "pbx-1", url: "http://127.0.0.1:9/hook", tenants: [TENANT] });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ secret: expect.stringMatching(/^whsec_/), webhook: { name: "pbx-1", tenants: [TENANT], pending: 0 } });
    expect((await app.call("POST", "/tenants/acme.example/extensions", { number: "101", displayName: "Al" })).status).toBe(201);
    const hooks = await app.call("GET", "/pbx/webhooks", undefined, "readonly");
    expect(hooks.json.webhooks).toEqual([expect.objectContaining({ name: "pbx-1", pending: 1, delivered: 0, failed: 0 })]);
    const deliveries = await app.call("GET", "/pbx/deliveries?state=pending&webhook=pbx-1", undefined, "technician");
    expect(deliveries.json.deliveries).toEqual([expect.objectContaining({ type: "extension.created", extension: `${TENANT}/101`, webhook: "pbx-1", state: "pending", attempts: 0 })]);
    expect((await app.call("DELETE", "/pbx/webhooks/pbx-1")).status).toBe(204);
    expect((await app.call("GET", "/pbx/webhooks")).json).toEqual({ webhooks: [] });
    const audit = await data.read((q) => q.db.select().from(q.t.auditLog).orderBy(asc(q.t.auditLog.id)));
    expect(audit.filter((a) => a.action.startsWith("pbx_webhook.")).map((a) => [a.actor, a.action])).toEqual([
      ["token:admin", "pbx_webhook.create"],
      ["token:admin", "pbx_webhook.delete"],
    ]);
  });

  it("refuses a bad webhook, a taken name, an unknown one and a readonly token's change, writing nothing", async () => {
    await app.call("POST", "/pbx/webhooks", { name: "pbx-1", url: "http://127.0.0.1:9/hook" });
    const rows = () => data.read(async (q) => ({ hooks: await q.db.select().from(q.t.pbxWebhooks), audit: await q.db.select().from(q.t.auditLog) }));
    const before = await rows();
    const bad = await app.call("POST", "/pbx/webhooks", { name: "x", url: "not a url" });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/http:\/\/ or https:\/\//);
    const taken = await app.call("POST", "/pbx/webhooks", { name: "pbx-1", url: "http://127.0.0.1:9/b" });
    expect(taken).toMatchObject({ status: 409, json: { error: { message: "name: a webhook named pbx-1 already exists" } } });
    expect((await app.call("POST", "/pbx/webhooks", { name: "z", url: "http://127.0.0.1:9/z" }, "readonly")).status).toBe(403);
    expect((await app.call("DELETE", "/pbx/webhooks/nope")).status).toBe(404);
    expect((await app.call("GET", "/pbx/deliveries?webhook=nope")).status).toBe(400);
    expect(await rows()).toEqual(before);
  });

  it("gives a pbx token its tenants' credentials and directory entries, and nothing of another tenant", async () => {
    await app.call("POST", "/tenants/acme.example/extensions", { number: "101", displayName: "Al" });
    await app.call("POST", "/tenants/other.example/extensions", { number: "201", displayName: "Bo" });
    const list = await app.call("GET", `/pbx/tenants/${TENANT}/extensions`, undefined, "pbx");
    expect(list.status).toBe(200);
    expect(list.json.extensions.map((c: { number: string; enabled: boolean }) => [c.number, c.enabled])).toEqual([["101", true]]);
    const one = await app.call("GET", `/pbx/tenants/${TENANT}/extensions/101`, undefined, "pbx");
    expect(one.json).toEqual(list.json.extensions[0]);
    expect((await app.call("GET", `/pbx/tenants/${TENANT}/extensions/999`, undefined, "pbx")).status).toBe(404);
    expect((await app.call("GET", "/pbx/tenants/other.example/extensions", undefined, "pbx")).status).toBe(403);
    const form = (domain: string, user: string) => app.call("POST", "/pbx/freeswitch/directory", `section=directory&domain=${domain}&user=${user}`, "pbx", "application/x-www-form-urlencoded");
    const entry = await form(TENANT, "101");
    expect(entry.status).toBe(200);
    expect(entry.type).toMatch(/^text\/xml/);
    expect(entry.text).toContain(`<param name="a1-hash" value="${one.json.ha1}"/>`);
    expect((await form("other.example", "201")).text).toContain(`<result status="not found"/>`);
  });
});
