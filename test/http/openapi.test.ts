import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminRouters } from "../../src/http/admin/app.ts";
import { createTestDeps, type TestDeps } from "../helpers/test-deps.ts";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";

let deps: TestDeps;
let c: AdminClient;
beforeAll(async () => {
  deps = createTestDeps();
  c = await startAdminClient();
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
    expect(keys.items.properties.kind.enum).toContain("blf_group");
    expect(doc.paths["/tenants/{tenant}/extensions/{number}"].delete.parameters.map((p: any) => p.name)).toEqual(["tenant", "number", "detach"]);
  });
});
