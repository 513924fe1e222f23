import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { OPERATIONS } from "../../src/http/admin/openapi-operations.ts";
import { fillsItself } from "../../src/services/patch-schema.ts";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";

/** Issue 11 item 1: a PATCH changes exactly the fields it names; an empty body is refused. */

let c: AdminClient;

const row = (table: string, where: string, ...args: unknown[]) =>
  c.withRuntime((rt) => rt.db.$client.prepare(`select * from ${table} where ${where}`).get(...args) as Record<string, unknown>);

/** Every column but the named ones (and updated_at) is the same before and after. */
function onlyChanged(before: Record<string, unknown>, after: Record<string, unknown>, changed: readonly string[]) {
  const keep = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== "updated_at" && !changed.includes(k)));
  expect(keep(after)).toEqual(keep(before));
  for (const k of changed) expect(after[k]).not.toEqual(before[k]);
}

beforeAll(async () => {
  c = await startAdminClient();
  const t = await c.call("POST", "/tenants", {
    sipDomain: "acme.example",
    sipServerHost: "pbx.acme.example",
    sipServerPort: 5070,
    sipTransport: "tls",
    outboundProxyHost: "proxy.acme.example",
    outboundProxyPort: 5071,
    registerExpires: 600,
    timeZone: "Europe/Lisbon",
    ntpServers: ["ntp1.acme.example", "ntp2.acme.example"],
    provisioningBaseUrl: "https://prov.acme.example/",
    resyncMinutes: 30,
    authMode: "credentials_and_network",
    allowedNetworks: ["192.0.2.0/24"],
    configEncryption: true,
  });
  expect(t.status).toBe(201);
  expect((await c.call("POST", "/tenants/acme.example/extensions", { number: "201", displayName: "Front desk", voicemailNumber: "*97" })).status).toBe(201);
  expect((await c.call("POST", "/devices", { mac: "805ec0aa0001", model: "T54S", tenant: "acme.example", label: "Desk 1", expansionModules: 1 })).status).toBe(201);
  expect((await c.call("POST", "/tenants/acme.example/groups", { name: "sales", members: ["201"] })).status).toBe(201);
});

afterAll(async () => c.close());

describe("PATCH changes exactly the fields it names", () => {
  it("tenant: one field leaves authMode, networks, encryption, transport, time zone, NTP and base URL as stored", async () => {
    const before = row("tenants", "name = ?", "acme.example");
    const r = await c.call("PATCH", "/tenants/acme.example", { resyncMinutes: 60 });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ resyncMinutes: 60, authMode: "credentials_and_network", allowedNetworks: ["192.0.2.0/24"], configEncryption: true, sipTransport: "tls", timeZone: "Europe/Lisbon" });
    const after = row("tenants", "name = ?", "acme.example");
    onlyChanged(before, after, ["resync_minutes"]);
  });

  it("tenant: setting a nullable field to null changes that field only", async () => {
    const before = row("tenants", "name = ?", "acme.example");
    expect((await c.call("PATCH", "/tenants/acme.example", { provisioningBaseUrl: null })).status).toBe(200);
    onlyChanged(before, row("tenants", "name = ?", "acme.example"), ["provisioning_base_url"]);
  });

  it("extension: a new display name keeps the voicemail number", async () => {
    const before = row("extensions", "number = ?", "201");
    const r = await c.call("PATCH", "/tenants/acme.example/extensions/201", { displayName: "Reception" });
    expect(r.status).toBe(200);
    expect(r.json.voicemailNumber).toBe("*97");
    onlyChanged(before, row("extensions", "number = ?", "201"), ["display_name"]);
  });

  it("device: a new label keeps model and expansion modules", async () => {
    const before = row("devices", "mac = ?", "805ec0aa0001");
    expect((await c.call("PATCH", "/devices/805ec0aa0001", { label: "Desk 2" })).status).toBe(200);
    onlyChanged(before, row("devices", "mac = ?", "805ec0aa0001"), ["label"]);
  });

  it("feature codes: one code changes, the others stay", async () => {
    const rows = () => c.withRuntime((rt) => rt.db.$client.prepare("select name, code from feature_codes order by name").all() as { name: string; code: string }[]);
    const before = rows();
    expect((await c.call("PATCH", "/tenants/acme.example/feature-codes", { dnd_on: "*70" })).status).toBe(200);
    const after = rows();
    expect(after.filter((r) => r.name !== "dnd_on")).toEqual(before.filter((r) => r.name !== "dnd_on"));
    expect(after.find((r) => r.name === "dnd_on")?.code).toBe("*70");
  });

  it("group: a rename keeps the members", async () => {
    const members = () => c.withRuntime((rt) => rt.db.$client.prepare("select count(*) as n from extension_group_members").get());
    const before = members();
    expect((await c.call("PATCH", "/tenants/acme.example/groups/sales", { name: "sales-team" })).status).toBe(200);
    expect(members()).toEqual(before);
  });

  it("an empty body is refused with 400 naming the fields, and nothing changes", async () => {
    await c.refused("PATCH", "/tenants/acme.example", {}, 400, /no field given; name at least one of sipDomain, .*configEncryption/);
    await c.refused("PATCH", "/tenants/acme.example/extensions/201", {}, 400, /no field given; name at least one of displayName/);
    await c.refused("PATCH", "/devices/805ec0aa0001", {}, 400, /no field given; name at least one of model, label, expansionModules/);
    await c.refused("PATCH", "/tenants/acme.example/feature-codes", {}, 400, /no field given/);
  });

  it("an unknown field is refused, not ignored", async () => {
    await c.refused("PATCH", "/tenants/acme.example", { resyncMinute: 5 }, 400, /Unrecognized key/);
  });
});

describe("audit of every PATCH body schema", () => {
  const patches = OPERATIONS.filter((o) => o.method === "patch");

  it("lists the PATCH routes (so a new one is covered)", () => {
    expect(patches.map((o) => o.path).sort()).toEqual(
      [
        "/devices/{mac}",
        "/tenants/{tenant}",
        "/tenants/{tenant}/extensions/{number}",
        "/tenants/{tenant}/extensions/{number}/hot-desk",
        "/tenants/{tenant}/feature-codes",
        "/tenants/{tenant}/groups/{group}",
        "/tenants/{tenant}/hot-desk/rules",
      ].sort(),
    );
  });

  it.each(patches.map((o) => [o.path, o.body] as const))("%s: no field fills itself in, and {} is refused", (_path, body) => {
    const schema = body as z.ZodType;
    expect(schema.safeParse({}).success).toBe(false);
    const inner = schema instanceof z.ZodObject ? schema : ((schema as unknown as { _zod: { def: { in?: z.ZodType; schema?: z.ZodType } } })._zod.def.schema ?? schema);
    if (inner instanceof z.ZodObject) for (const [k, f] of Object.entries(inner.shape)) expect(fillsItself(f as z.ZodType), k).toBe(false);
  });
});
