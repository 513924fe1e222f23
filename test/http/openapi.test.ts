import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { adminRouters } from "../../src/http/admin/app.ts";
import { OPERATIONS } from "../../src/http/admin/openapi-operations.ts";
import { createTestDeps, type TestDeps } from "../helpers/test-deps.ts";
import { startAdminApp, type AdminApp } from "../helpers/admin-app.ts";

let deps: TestDeps;
let c: AdminApp;
beforeAll(async () => {
  deps = createTestDeps();
  c = await startAdminApp();
});
afterAll(async () => {
  deps.close();
  await c.close();
});

/** `GET /tenants/{tenant}` for every method of every layer of every admin router. */
function routerOperations(): string[] {
  const out: string[] = [];
  for (const router of adminRouters(deps)) {
    for (const layer of router.stack) {
      for (const m of layer.methods) if (m !== "HEAD") out.push(`${m} ${String(layer.path).replace(/:(\w+)/g, "{$1}")}`);
    }
  }
  return out.sort();
}

describe("OpenAPI document", () => {
  it("is served by the admin API and lists exactly the routes of the routers", async () => {
    const r = await c.call("GET", "/openapi.json", undefined, "readonly");
    expect(r.status).toBe(200);
    expect(r.json.openapi).toBe("3.1.0");
    const documented = Object.entries(r.json.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(routerOperations());
  });

  it("describes request bodies with the schemas the routes parse", async () => {
    const doc = (await c.call("GET", "/openapi.json")).json;
    const profile = doc.paths["/tenants/{tenant}/extensions/{number}/profile"].put.requestBody.content["application/json"].schema;
    expect(profile.required).toEqual(expect.arrayContaining(["username", "role"]));
    expect(profile.properties.role.enum).toEqual(["user", "operator", "manager", "administrator"]);
    const keys = doc.paths["/devices/{mac}/keys"].put.requestBody.content["application/json"].schema;
    // { "keys": [...] } as GET answers it, or the bare array of before.
    const [wrapped, bare] = keys.anyOf;
    expect(wrapped.properties.keys.items.properties.kind.enum).toContain("blf_group");
    expect(bare.items.properties.kind.enum).toContain("blf_group");
    expect(doc.paths["/tenants/{tenant}/extensions/{number}"].delete.parameters.map((p: any) => p.name)).toEqual(["tenant", "number", "detach"]);
  });
});

describe("OpenAPI answers", () => {
  const documented = (method: string, path: string) => {
    const o = OPERATIONS.find((x) => x.method === method && x.path === path);
    expect(o, `${method} ${path} is documented`).toBeDefined();
    expect(o!.response, `${method} ${path} documents its answer`).toBeInstanceOf(z.ZodType);
    return o!.response as z.ZodType;
  };
  /** Calls the route and parses the answer with the documented (strict) schema. */
  async function check(method: string, docPath: string, path: string, status: number, body?: unknown, type?: string) {
    const r = await c.call(method.toUpperCase(), path, body, "admin", type);
    expect(r.status, `${method} ${path}: ${r.text}`).toBe(status);
    documented(method, docPath).parse(r.json);
    return r.json;
  }
  const T = "/tenants/{tenant}";
  const X = `${T}/extensions/{number}`;
  const GS = "000b82aa0001";

  it("every onboarding, registration, audit and security route documents its answer", () => {
    for (const o of OPERATIONS.filter((x) => ["onboarding", "registrations", "audit", "security"].includes(x.tag))) {
      expect(o.response !== undefined || o.status === 204, `${o.method} ${o.path}`).toBe(true);
    }
  });

  it("real answers of those routes match the documented schemas", async () => {
    await c.call("POST", "/tenants", { name: "oa.example", sipDomain: "oa.example", sipServerHost: "pbx.oa.example", configEncryption: true });
    for (const n of ["101", "102"]) await c.call("POST", "/tenants/oa.example/extensions", { number: n, displayName: `Ext ${n}` });
    const csv = `mac,vendor,model,tenant,lines,label,key_layout\n805ec0aa0001,,T54W,oa.example,101,,2:blf:102\n${GS},,GRP2614,oa.example,102,,\n`;
    expect((await check("post", "/imports", "/imports?dryRun=1", 200, csv, "text/csv")).batchId).toBeNull();
    const imported = await check("post", "/imports", "/imports", 201, csv, "text/csv");
    const refused = await c.call("POST", "/imports", csv.replace("T54W", "T99"), "admin", "text/csv");
    expect(refused.status).toBe(400);
    OPERATIONS.find((o) => o.path === "/imports")!.errors![400]!.parse(refused.json);
    await check("get", "/imports", "/imports", 200);
    await check("get", "/imports/{id}", `/imports/${imported.batchId}`, 200);
    const exported = await c.call("GET", "/exports/devices.csv");
    expect(exported.type).toMatch(/^text\/csv/);
    const claim = await c.call("POST", "/discovered-devices/claim", { mac: "805ec0aa00ff", tenant: "oa.example", lines: ["101"] });
    OPERATIONS.find((o) => o.path === "/discovered-devices/claim")!.errors![400]!.parse(claim.json);

    const event = { aor: "sip:101@oa.example", contact: "sip:101@127.0.0.1:5099", source: "127.0.0.1:5099", userAgent: "test", expires: 3600, event: "registered" };
    await check("post", "/registrations/events", "/registrations/events", 200, event);
    expect((await check("get", "/registrations", "/registrations?tenant=oa.example", 200)).registrations).toHaveLength(1);
    await check("get", "/devices/{mac}/registration", "/devices/805ec0aa0001/registration", 200);
    await check("get", `${X}/registration`, "/tenants/oa.example/extensions/101/registration", 200);
    // Nothing fetched yet: no address, so every phone is skipped and no NOTIFY leaves.
    expect((await check("post", `${T}/resync`, "/tenants/oa.example/resync", 202, {})).skipped).toHaveLength(2);
    await check("post", `${X}/resync`, "/tenants/oa.example/extensions/101/resync", 202);
    const fu = await check("post", `${X}/force-unregister`, "/tenants/oa.example/extensions/102/force-unregister", 202, { mode: "disable" });
    await check("get", "/force-unregisters/{id}", `/force-unregisters/${fu.id}`, 200);
    expect((await c.call("POST", "/tenants/oa.example/extensions/102/enable")).status).toBe(204);
    const audit = await check("get", "/audit", "/audit?limit=1000", 200);
    expect(audit.events.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(["devices.import", "extension.force_unregister", "extension.enable"]));
    await check("get", "/devices/{mac}/config-key", `/devices/${GS}/config-key`, 200);
  });
});
