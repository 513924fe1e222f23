import { afterAll, beforeAll, describe, it } from "vitest";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";

// Models whose key and line counts no source gives are not in the tables
// (docs/vendors/polycom.md "Edge E and CCX", docs/vendors/grandstream.md "Models"): creating one is
// refused with the list of known models, and nothing is written.
let c: AdminClient;

beforeAll(async () => {
  c = await startAdminClient();
  await c.call("POST", "/tenants", { sipDomain: "models.example", sipServerHost: "pbx.models.example" });
});
afterAll(async () => c.close());

describe("models without sourced counts", () => {
  it.each([
    ["polycom", "0004f2dd0220", "EdgeE220", /unknown polycom model "EdgeE220" \(known: .*EdgeE450/],
    ["polycom", "482567dd0500", "CCX500", /unknown polycom model "CCX500"/],
    ["grandstream", "c074addd2650", "GRP2650", /unknown grandstream model "GRP2650" \(known: .*GRP2616/],
    ["grandstream", "c074addd2602", "GRP2602", /unknown grandstream model "GRP2602"/],
  ])("%s %s: refuses %s", async (vendor, mac, model, message) => {
    await c.refused("POST", "/devices", { mac, vendor, model, tenant: "models.example" }, 400, message);
  });
});
