import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminRouters } from "../../src/http/admin/app.ts";
import { sealedColumns } from "../../src/services/key-rotation.ts";
import { startAdminApp, type AdminApp } from "../helpers/admin-app.ts";

/**
 * The technician role never reads a secret, through any route. The routes are read from the admin
 * router itself, so a route added later is covered without touching this test.
 */
let c: AdminApp;
const MAC = "805ec0dd0001";

interface Layer {
  path: string;
  methods: string[];
}

function adminRoutes(): Layer[] {
  return c.withRuntime((rt) => {
    // The routers createAdminApp mounts under /api/v1 (adminRouters is that list).
    return adminRouters(rt, { bodyLimitBytes: 1 << 20 })
      .flatMap((r) => r.stack as unknown as Layer[])
      .filter((l) => l.methods.length > 0)
      .map((l) => ({ ...l, path: `/api/v1${l.path}` }));
  });
}

/** Every secret in the database (every sealed column), in the clear and sealed, plus the bearer tokens. */
function secrets(): string[] {
  return c.withRuntime((rt) => {
    const db = rt.db.$client;
    const sealed = sealedColumns(rt.db).flatMap(({ table, column }) => db.prepare(`select "${column}" from "${table}" where "${column}" is not null`).pluck().all() as string[]);
    return [...sealed.map((s) => rt.secrets.open(s)), ...sealed, ...Object.values(c.tokens)];
  });
}

const THIRD_PARTY_PASSWORD = "Softphone-Secret-42";
const PIN = "50793861";

beforeAll(async () => {
  c = await startAdminApp({ fetchLogFlushMs: 10 }, { roles: ["admin", "technician"] });
  await c.call("POST", "/tenants", { sipDomain: "acme.example", sipServerHost: "pbx.acme.example" });
  await c.call("POST", "/tenants/acme.example/extensions", { number: "101", displayName: "Reception" });
  await c.call("POST", "/tenants/acme.example/extensions", { number: "102", displayName: "Office" });
  // Issue 3's objects, with real data behind every route: settings with secrets, a group, a layout.
  const X = "/tenants/acme.example/extensions/101";
  const writes: [string, string, unknown][] = [
    ["PUT", `${X}/allowed-endpoints`, { thirdPartySoftphone: { allowed: true, sipUsername: "softy", sipPassword: THIRD_PARTY_PASSWORD } }],
    ["PUT", `${X}/voicemail`, { pin: PIN, emailNotification: true, email: "reception@acme.example" }],
    ["PUT", `${X}/profile`, { username: "reception", role: "operator", fullName: "Front Desk" }],
    ["POST", `${X}/phone-numbers`, { number: "+351210000101" }],
    ["PUT", `${X}/avatar`, { contentType: "image/png", data: Buffer.from("89504e470d0a1a0a0000000d49484452", "hex").toString("base64") }],
    ["PUT", `${X}/forwarding`, { unconditional: { mode: "destination", destination: "5551234" } }],
    ["POST", "/tenants/acme.example/extensions", { number: "103", displayName: "Sales desk" }],
    ["POST", "/tenants/acme.example/groups", { name: "Sales", members: ["101", "102", "103"] }],
    ["POST", "/tenants/acme.example/key-layouts", { name: "panel", keys: [{ index: 5, kind: "blf_group", value: "Sales" }] }],
  ];
  for (const [method, path, body] of writes) expect((await c.call(method, path, body)).status, `${method} ${path}`).toBeLessThan(300);
  const csv = `mac,vendor,model,tenant,lines,label,key_layout\n${MAC},,T54W,acme.example,101;102,Desk,2:blf:102\n`;
  expect((await c.call("POST", "/imports", csv, "technician", "text/csv")).status).toBe(201);
  expect((await c.call("PUT", `/devices/${MAC}/key-layout`, { layout: "panel" }, "technician")).status).toBe(200);
});

afterAll(async () => c.close());

/** Values for route parameters: real objects for reads, unknown ones for deletes. */
function fill(path: string, method: string): string {
  const gone = method === "DELETE";
  const values: Record<string, string> = {
    tenant: gone ? "gone.example" : "acme.example",
    number: gone ? "199" : "101",
    mac: gone ? "805ec0dd00ff" : MAC,
    name: `${MAC}.cfg`,
    id: "1",
    group: gone ? "Gone" : "Sales",
    layout: gone ? "gone" : "panel",
    phoneNumber: gone ? "+351219999999" : "+351210000101",
  };
  return path.replace(/^\/api\/v1/, "").replace(/:(\w+)/g, (_, p: string) => values[p] ?? "x");
}

describe("technician role", () => {
  it("reads no secret through any admin route, answer or error message", async () => {
    const routes = adminRoutes();
    const paths = routes.map((r) => r.path);
    for (const expected of ["/api/v1/imports", "/api/v1/exports/devices.csv", "/api/v1/discovered-devices/claim", "/api/v1/devices/:mac/files/:name"]) {
      expect(paths).toContain(expected);
    }
    const hidden = secrets();
    expect(hidden.length).toBeGreaterThanOrEqual(7);
    expect(hidden).toEqual(expect.arrayContaining([THIRD_PARTY_PASSWORD, PIN]));
    const calls = routes.flatMap((r) => r.methods.filter((m) => m !== "HEAD").map((m) => ({ method: m, path: fill(r.path, m) })));
    // Reads first, then writes with bodies that are refused, deletes last (of objects that do not exist).
    const order = (m: string) => (m === "GET" ? 0 : m === "DELETE" ? 2 : 1);
    calls.sort((a, b) => order(a.method) - order(b.method));
    for (const { method, path } of calls) {
      const r = await c.call(method, path, method === "GET" || method === "DELETE" ? undefined : {}, "technician");
      expect(r.status, `${method} ${path}`).toBeLessThan(500);
      for (const s of hidden) expect(r.text.includes(s), `${method} ${path} leaks a secret`).toBe(false);
      expect(r.text, `${method} ${path}`).not.toMatch(/v1\.[0-9a-f]{8}\.|passw(or)?d"?\s*[:=]\s*"?[A-Za-z0-9]{16}/i);
    }
    expect(calls.length).toBeGreaterThan(25);
  });

  it("reads issue 3's objects for real, without their secrets; the admin reads the secrets", async () => {
    const X = "/tenants/acme.example/extensions/101";
    const endpoints = await c.call("GET", `${X}/allowed-endpoints`, undefined, "technician");
    expect(JSON.parse(endpoints.text).thirdPartySoftphone).toEqual({ allowed: true, sipUsername: "softy" });
    const voicemail = await c.call("GET", `${X}/voicemail`, undefined, "technician");
    expect(JSON.parse(voicemail.text)).toMatchObject({ emailNotification: true, email: "reception@acme.example" });
    expect(JSON.parse(voicemail.text)).not.toHaveProperty("pin");
    for (const path of [`${X}/profile`, `${X}/groups`, `${X}/phone-numbers`, "/tenants/acme.example/groups/Sales", "/tenants/acme.example/key-layouts/panel", `/devices/${MAC}/key-layout`]) {
      const r = await c.call("GET", path, undefined, "technician");
      expect(r.status, path).toBe(200);
      expect(r.text, path).not.toMatch(/Softphone-Secret|50793861|v1\.[0-9a-f]{8}\./);
    }
    expect(JSON.parse((await c.call("GET", `/devices/${MAC}/key-layout`, undefined, "technician")).text).effectiveKeys.length).toBeGreaterThan(1);
    expect(JSON.parse((await c.call("GET", `${X}/allowed-endpoints`)).text).thirdPartySoftphone.sipPassword).toBe(THIRD_PARTY_PASSWORD);
    expect(JSON.parse((await c.call("GET", `${X}/voicemail`)).text).pin).toBe(PIN);
  });

  it("cannot preview a file holding credentials, but the admin can", async () => {
    expect((await c.call("GET", `/devices/${MAC}/files/${MAC}.cfg`, undefined, "technician")).status).toBe(403);
    expect((await c.call("GET", `/devices/${MAC}/files/${MAC}.cfg`, undefined, "admin")).status).toBe(200);
  });
});
