import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";
import Database from "better-sqlite3";
import { sipAnswers, startKamailio, type RunningKamailio } from "../helpers/kamailio.ts";
import { freePort, registerWithSipp } from "../helpers/sipp.ts";

const BIN = fileURLToPath(new URL("../../bin/phonehome.mjs", import.meta.url));
const run = promisify(execFile);
const MAC = "805ec0aa1501";
const DOMAIN = "kam.example";

let dir: string;
let c: AdminClient;
let kam: RunningKamailio;
let sipPort: number;
let phonePort: number;
let serverClosed = false;

/** The credentials of line 1 in the phone's rendered device file, as the phone gets them. */
async function phoneCredentials() {
  const file = (await c.call("GET", `/devices/${MAC}/files/${MAC}.cfg`)).text;
  const value = (key: string) => new RegExp(`^account\\.1\\.${key} = (.*)$`, "m").exec(file)?.[1];
  return { user: value("user_name")!, authUser: value("auth_name")!, password: value("password")! };
}

const register = (creds: { user: string; authUser: string; password: string }, expect: 200 | "refused", expires = 120) =>
  registerWithSipp({ registrar: `127.0.0.1:${sipPort}`, ...creds, domain: DOMAIN, expires, expect, port: phonePort });
const registration = async () => (await c.call("GET", `/tenants/${DOMAIN}/extensions/101/registration`)).json.registrations[0];
/**
 * Kamailio sends the 200 from save() before its webhook leaves (route PHONEHOME runs after the
 * reply), so the phone can see its 200 before phonehome has the event: wait for the event.
 */
const registrationMatching = (expected: Record<string, unknown>) =>
  vi.waitFor(async () => {
    const r = await registration();
    expect(r).toMatchObject(expected);
    return r;
  }, { timeout: 10_000, interval: 100 });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "phonehome-kamailio-"));
  const kamailioDb = join(dir, "kamailio.db");
  sipPort = await freePort("udp");
  phonePort = await freePort("udp");
  c = await startAdminClient({ kamailioDb }, { roles: ["admin"] });
  await c.call("POST", "/tenants", { name: DOMAIN, sipDomain: DOMAIN, sipServerHost: "127.0.0.1", sipServerPort: sipPort });
  for (const n of ["101", "102"]) expect((await c.call("POST", `/tenants/${DOMAIN}/extensions`, { number: n, displayName: `Ext ${n}` })).status).toBe(201);
  expect((await c.call("POST", "/devices", { mac: MAC, model: "T54W", tenant: DOMAIN })).status).toBe(201);
  expect((await c.call("PUT", `/devices/${MAC}/lines`, [{ index: 1, extension: "101" }])).status).toBe(200);
  // The configuration exactly as the command prints it; it creates the registrar token.
  const { stdout } = await run(process.execPath, [BIN, "pbx", "kamailio-config", "--listen", `127.0.0.1:${sipPort}`, "--data-dir", c.config.dataDir, "--kamailio-db", kamailioDb, "--phonehome-url", `http://127.0.0.1:${c.server.apiPort}`]);
  kam = await startKamailio(dir, stdout, () => sipAnswers(sipPort));
}, 60_000);

afterAll(async () => {
  await kam?.stop();
  if (serverClosed) rmSync(c.config.dataDir, { recursive: true, force: true });
  else await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("Kamailio with the configuration phonehome prints", () => {
  it("registers the credentials of a rendered phone file, and phonehome sees the registration and its refresh", async () => {
    const creds = await phoneCredentials();
    const r = await register(creds, 200);
    expect(r.code, r.output + kam.output()).toBe(0);
    const first = await registrationMatching({ state: "registered", lastEvent: "registered", lastEventSource: "registrar:kamailio", contact: `sip:101@127.0.0.1:${phonePort}` });
    const granted = (Date.parse(first.expiresAt) - Date.parse(first.lastEventAt)) / 1000;
    expect(granted).toBeGreaterThan(100);
    expect(granted).toBeLessThanOrEqual(121);

    expect((await register(creds, 200, 300)).code).toBe(0);
    const refreshed = await registrationMatching({ state: "registered", lastEvent: "refreshed", since: first.since });
    expect(Date.parse(refreshed.expiresAt) - Date.parse(refreshed.lastEventAt)).toBeGreaterThan(280_000);
  }, 30_000);

  it("refuses a wrong password and a foreign address of record", async () => {
    const creds = await phoneCredentials();
    expect((await register({ ...creds, password: `${creds.password}x` }, "refused")).code).toBe(0);
    expect((await register({ ...creds, user: "102" }, "refused")).code).toBe(0);
  }, 30_000);

  it("after reset-password the old password gets 401 and the new one 200", async () => {
    const old = await phoneCredentials();
    expect((await c.call("POST", `/tenants/${DOMAIN}/extensions/101/reset-password`)).status).toBe(200);
    expect((await register(old, "refused")).code).toBe(0);
    const now = await phoneCredentials();
    expect(now.password).not.toBe(old.password);
    expect((await register(now, 200)).code).toBe(0);
  }, 30_000);

  it("a de-registration shows as unregistered", async () => {
    expect((await register(await phoneCredentials(), 200, 0)).code).toBe(0);
    await registrationMatching({ state: "unregistered", lastEvent: "unregistered" });
  }, 30_000);

  it("a disabled extension is refused, an enabled one accepted, a deleted one refused", async () => {
    const get = async () => (await c.call("GET", `/pbx/tenants/${DOMAIN}/extensions/102`)).json;
    const before = await get();
    const creds = { user: before.sipUser, authUser: before.authUser, password: before.password };
    expect((await register(creds, 200)).code).toBe(0);
    expect((await c.call("POST", `/tenants/${DOMAIN}/extensions/102/force-unregister`, { mode: "disable" })).status).toBe(202);
    const disabled = await get();
    expect(disabled.enabled).toBe(false);
    expect((await register({ ...creds, password: disabled.password }, "refused")).code).toBe(0);
    expect((await c.call("POST", `/tenants/${DOMAIN}/extensions/102/enable`)).status).toBe(204);
    expect((await register({ ...creds, password: disabled.password }, 200)).code).toBe(0);
    expect((await c.call("DELETE", `/tenants/${DOMAIN}/extensions/102`)).status).toBe(204);
    expect((await register({ ...creds, password: disabled.password }, "refused")).code).toBe(0);
  }, 30_000);

  it("after force-unregister Kamailio drops the phone's binding, and the extension cannot register with what the phone holds", async () => {
    const held = await phoneCredentials();
    expect((await register(held, 200, 600)).code).toBe(0);
    await registrationMatching({ state: "registered" });
    expect((await c.call("POST", `/tenants/${DOMAIN}/extensions/101/force-unregister`, { mode: "remove" })).status).toBe(202);
    // The binding goes at the registrar itself (not at its expiry in 600 s), and phonehome hears of it.
    await registrationMatching({ state: "unregistered", lastEvent: "unregistered", lastEventSource: "registrar:kamailio" });
    const queued = () => {
      const k = new Database(join(dir, "kamailio.db"), { readonly: true });
      try {
        return k.prepare("SELECT aor FROM phonehome_unregister").all();
      } finally {
        k.close();
      }
    };
    await vi.waitFor(() => expect(queued()).toEqual([]), { timeout: 10_000, interval: 100 });
    expect((await register(held, "refused")).code).toBe(0);
  }, 30_000);

  it("while phonehome is down Kamailio keeps authenticating with the last credentials it was given", async () => {
    const current = await c.call("GET", `/pbx/tenants/${DOMAIN}/extensions/101`);
    const creds = { user: current.json.sipUser, authUser: current.json.authUser, password: current.json.password };
    await c.server.close();
    serverClosed = true;
    // The webhook cannot be reached: the phone still gets its 200, Kamailio logs the failure.
    const r = await register(creds, 200);
    expect(r.code, r.output).toBe(0);
    await vi.waitFor(() => expect(kam.output()).toMatch(/phonehome webhook answered/), { timeout: 10_000, interval: 100 });
    expect((await register({ ...creds, password: "wrong" }, "refused")).code).toBe(0);
  }, 30_000);
});
