import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "../../src/demo.ts";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";

let c: AdminClient;

beforeAll(async () => {
  c = await startAdminClient({}, { prepare: (rt) => void loadDemo(rt) });
});
afterAll(async () => c.close());

describe("GET /audit filters", () => {
  it("matches registration events stored as tenant/number when asked for the number, within a tenant", async () => {
    await c.call("POST", "/registrations/events", { aor: "sip:101@demo.example", contact: "sip:101@127.0.0.1:5060", source: "127.0.0.1:5060", expires: 3600, event: "registered" });
    const byNumber = (await c.call("GET", "/audit?extension=101&tenant=demo.example")).json.events.map((e: { action: string }) => e.action);
    expect(byNumber).toContain("registration.registered");
    const other = await c.call("GET", "/audit?extension=other.example/101&tenant=demo.example");
    expect(other.status).toBe(400);
    expect(other.json.error.message).toMatch(/^extension: /);
    expect((await c.call("GET", "/audit?tenant=nope.example")).status).toBe(404);
  });
});
