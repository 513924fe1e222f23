import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "../../src/demo.ts";
import { startAdminApp, type AdminApp } from "../helpers/admin-app.ts";

let c: AdminApp;

beforeAll(async () => {
  c = startAdminApp();
  await loadDemo(c.runtime);
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

  it("filters by action or its first parts and pages with offset", async () => {
    const all = (await c.call("GET", "/audit?type=admin&action=device&limit=1000")).json.events as { id: number; action: string }[];
    expect(all.length).toBeGreaterThan(3);
    expect(all.every((e) => e.action.startsWith("device."))).toBe(true);
    const exact = (await c.call("GET", "/audit?type=admin&action=device.create")).json.events as { action: string }[];
    expect(exact.length).toBeGreaterThan(0);
    expect(exact.every((e) => e.action === "device.create")).toBe(true);
    // "dev" is not a first part of "device.create".
    expect((await c.call("GET", "/audit?type=admin&action=dev")).json.events).toEqual([]);
    const page2 = (await c.call("GET", "/audit?type=admin&action=device&limit=2&offset=2")).json.events as { id: number }[];
    expect(page2.map((e) => e.id)).toEqual(all.slice(2, 4).map((e) => e.id));
    const bad = await c.call("GET", "/audit?action=Device%20create");
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/^action: /);
  });
});
