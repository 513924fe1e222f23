import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "../../src/demo.ts";
import { startAdminApp, type AdminApp } from "../helpers/admin-app.ts";

let c: AdminApp;
const MAC = "805ec0000101";

beforeAll(async () => {
  c = startAdminApp();
  await loadDemo(c.runtime);
});
afterAll(async () => c.close());

describe("error paths are spelled one way", () => {
  it("names a key field keys[0].kind, whichever form the body has", async () => {
    await c.call("GET", "/tenants"); // the token's last use is recorded; then nothing else may change
    for (const body of [[{ index: 1, kind: "bogus" }], { keys: [{ index: 1, kind: "bogus" }] }]) {
      const before = c.snapshot();
      const r = await c.call("PUT", `/devices/${MAC}/keys`, body);
      expect(r.status).toBe(400);
      expect(r.json.error.message).toMatch(/^keys\[0\]\.kind: /);
      expect(c.snapshot()).toBe(before);
    }
    const service = await c.call("PUT", `/devices/${MAC}/keys`, { keys: [{ index: 1, kind: "blf", value: "999" }] });
    expect(service.json.error.message).toMatch(/^keys\[0\]\.value: /);
  });

  it("names a line field lines[0].index", async () => {
    const r = await c.call("PUT", `/devices/${MAC}/lines`, [{ index: 0, extension: "101" }]);
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/^lines\[0\]\.index: /);
  });

  it("names the field of a claim instead of 'body: Invalid input'", async () => {
    const r = await c.call("POST", "/discovered-devices/claim", { mac: "805ec0aa0001", tenant: "demo.example", lines: [650] });
    expect(r.status).toBe(400);
    expect(r.json.error.message).not.toMatch(/body: Invalid input/);
    expect(r.json.error.message).toMatch(/^lines\[0\]: .*expected string/);
    const many = await c.call("POST", "/discovered-devices/claim", { claims: [{ mac: "805ec0aa0001", tenant: "demo.example", lines: [650] }] });
    expect(many.json.error.message).toMatch(/^claims\[0\]\.lines\[0\]: /);
  });

  it("says which fields POST /tenants needs", async () => {
    const before = c.snapshot();
    const r = await c.call("POST", "/tenants", {});
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/sipDomain: is required/);
    expect(r.json.error.message).toMatch(/sipServerHost: is required/);
    const typo = await c.call("POST", "/tenants", { sipDomain: "x.example", sipServerHost: "pbx.x.example", sipPort: 5060 });
    expect(typo.json.error.message).toMatch(/sipPort/);
    expect(c.snapshot()).toBe(before);
  });
});
