import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pino from "pino";
import { createAdminApp } from "../../src/http/admin/app.ts";
import { createRuntime } from "../../src/runtime.ts";
import { startServer, type RunningServer } from "../../src/server.ts";
import { createToken } from "../../src/services/tokens.ts";
import { tempConfig } from "../helpers/test-deps.ts";

/**
 * The technician role never reads a secret, through any route. The routes are read from the admin
 * router itself, so a route added later is covered without touching this test.
 */
const quiet = pino({ level: "silent" });
const env = tempConfig({ fetchLogFlushMs: 10 });
let server: RunningServer;
let api: string;
const tokens: Record<string, string> = {};
const MAC = "805ec0dd0001";

interface Layer {
  path: string;
  methods: string[];
}

function adminRoutes(): Layer[] {
  const rt = createRuntime(env.config, quiet);
  try {
    const app = createAdminApp(rt, { bodyLimitBytes: 1 << 20 });
    const routers = app.middleware.map((m) => (m as { router?: { stack: Layer[] } }).router).filter((r) => r !== undefined);
    return routers.flatMap((r) => r!.stack).filter((l) => l.methods.length > 0);
  } finally {
    rt.close();
  }
}

async function call(method: string, path: string, body?: unknown, role = "admin", type = "application/json") {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { authorization: `Bearer ${tokens[role]}`, ...(body !== undefined ? { "content-type": type } : {}) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

/** Every secret in the database, in the clear, plus the bearer tokens. */
function secrets(): string[] {
  const rt = createRuntime(env.config, quiet);
  try {
    const c = rt.db.$client;
    const sealed = [
      ...(c.prepare("select sip_password_enc as s from extensions").pluck().all() as string[]),
      ...(c.prepare("select prov_password_enc as s from devices").pluck().all() as string[]),
      ...(c.prepare("select admin_password_enc as s from devices").pluck().all() as string[]),
    ];
    return [...sealed.map((s) => rt.secrets.open(s)), ...sealed, ...Object.values(tokens)];
  } finally {
    rt.close();
  }
}

beforeAll(async () => {
  const rt = createRuntime(env.config, quiet);
  for (const role of ["admin", "technician"] as const) tokens[role] = createToken(rt, role, role).token;
  rt.close();
  server = await startServer(env.config, quiet);
  api = `http://127.0.0.1:${server.apiPort}/api/v1`;
  await call("POST", "/tenants", { sipDomain: "acme.example", sipServerHost: "pbx.acme.example" });
  await call("POST", "/tenants/acme.example/extensions", { number: "101", displayName: "Reception" });
  await call("POST", "/tenants/acme.example/extensions", { number: "102", displayName: "Office" });
  const csv = `mac,vendor,model,tenant,lines,label,key_layout\n${MAC},,T54W,acme.example,101;102,Desk,2:blf:102\n`;
  expect((await call("POST", "/imports", csv, "technician", "text/csv")).status).toBe(201);
});

afterAll(async () => {
  await server.close();
  env.cleanup();
});

/** Values for route parameters: real objects for reads, unknown ones for deletes. */
function fill(path: string, method: string): string {
  const gone = method === "DELETE";
  const values: Record<string, string> = {
    tenant: gone ? "gone.example" : "acme.example",
    number: gone ? "199" : "101",
    mac: gone ? "805ec0dd00ff" : MAC,
    name: `${MAC}.cfg`,
    id: "1",
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
    const calls = routes.flatMap((r) => r.methods.filter((m) => m !== "HEAD").map((m) => ({ method: m, path: fill(r.path, m) })));
    // Reads first, then writes with bodies that are refused, deletes last (of objects that do not exist).
    const order = (m: string) => (m === "GET" ? 0 : m === "DELETE" ? 2 : 1);
    calls.sort((a, b) => order(a.method) - order(b.method));
    for (const { method, path } of calls) {
      const r = await call(method, path, method === "GET" || method === "DELETE" ? undefined : {}, "technician");
      expect(r.status, `${method} ${path}`).toBeLessThan(500);
      for (const s of hidden) expect(r.text.includes(s), `${method} ${path} leaks a secret`).toBe(false);
      expect(r.text, `${method} ${path}`).not.toMatch(/v1\.[0-9a-f]{8}\.|passw(or)?d"?\s*[:=]\s*"?[A-Za-z0-9]{16}/i);
    }
    expect(calls.length).toBeGreaterThan(25);
  });

  it("cannot preview a file holding credentials, but the admin can", async () => {
    expect((await call("GET", `/devices/${MAC}/files/${MAC}.cfg`, undefined, "technician")).status).toBe(403);
    expect((await call("GET", `/devices/${MAC}/files/${MAC}.cfg`, undefined, "admin")).status).toBe(200);
  });
});
