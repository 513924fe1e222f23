import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";

let c: AdminClient;

beforeAll(async () => {
  c = await startAdminClient();
  await c.call("POST", "/tenants", { sipDomain: "acme.example", sipServerHost: "pbx.acme.example" });
  await c.call("POST", "/tenants/acme.example/extensions", { number: "201", displayName: "Reception" });
  await c.call("POST", "/devices", { mac: "805ec0aa0001", model: "T54W", tenant: "acme.example" });
});

afterAll(async () => c.close());

describe("the admin API refuses unsafe text", () => {
  it.each([
    ["a space", "http://prov.example.com/a b"],
    ["a quote and angle bracket", 'http://prov.example.com/"><x'],
    ["a relative URL", "/phones/"],
    ["more than 512 characters", `https://prov.example.com/${"a".repeat(600)}`],
  ])("provisioningBaseUrl with %s", async (_why, url) => {
    await c.refused("PATCH", "/tenants/acme.example", { provisioningBaseUrl: url }, 400, /provisioningBaseUrl.*absolute http/);
  });

  it("takes a sound provisioningBaseUrl", async () => {
    const r = await c.call("PATCH", "/tenants/acme.example", { provisioningBaseUrl: "https://prov.example.com:8443/phones/" });
    expect(r.status).toBe(200);
    expect(r.json.provisioningBaseUrl).toBe("https://prov.example.com:8443/phones/");
  });

  it.each([
    ["RLO", "\u202E"],
    ["LRI", "\u2066"],
    ["PDI", "\u2069"],
    ["NEL", "\u0085"],
    ["CSI", "\u009b"],
  ])("a display name, device label and key label holding %s", async (_why, ch) => {
    await c.refused("POST", "/tenants/acme.example/extensions", { number: "202", displayName: `Eve${ch}exe` }, 400, /displayName.*bidi controls/);
    await c.refused("PATCH", "/tenants/acme.example/extensions/201", { displayName: `Eve${ch}exe` }, 400, /displayName.*bidi controls/);
    await c.refused("PATCH", "/devices/805ec0aa0001", { label: `Desk${ch}` }, 400, /label.*bidi controls/);
    await c.refused("PUT", "/devices/805ec0aa0001/keys", [{ index: 1, kind: "blf", value: "201", label: `B${ch}` }], 400, /label.*bidi controls/);
  });
});
