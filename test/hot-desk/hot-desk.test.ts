import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken } from "../../src/services/tokens.ts";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";
import { curl } from "../helpers/curl.ts";
import { startSipp } from "../helpers/sipp.ts";

/**
 * Hot-desking end to end: the PBX posts what the caller typed (curl, as a dialplan's CURL() does),
 * the phone is NOTIFYed (sipp answers as the phone), its next fetch (curl as the phone) carries
 * the person's line and keys, and *46 brings the desk's own file back byte for byte.
 */
let c: AdminClient;
let pbxToken: string;
const T = "hd.example";
const DESK1 = "805ec0000301";
const DESK2 = "805ec0000302";

beforeAll(async () => {
  c = await startAdminClient(
    { fetchLogFlushMs: 5, sipBindHost: "127.0.0.1", sipT1Ms: 50, sipT2Ms: 400, sipTimerFMs: 500, notifyJitterMs: 0, hotDeskPinSlowAfter: 1, hotDeskPinMaxPerExtension: 3, hotDeskPinMaxDelayMs: 20 },
    { roles: ["admin", "registrar", "readonly"] },
  );
  await c.call("POST", "/tenants", { name: T, sipDomain: T, sipServerHost: "127.0.0.1", timeZone: "Europe/Berlin", provisioningBaseUrl: `${c.phoneUrl}/` });
  await c.call("POST", "/tenants", { name: "other.example", sipDomain: "other.example", sipServerHost: "127.0.0.1" });
  pbxToken = (await c.withRuntime((rt) => createToken(rt, "pbx", "asterisk", [T]))).token;
  for (const [number, displayName] of [["100", "Desk guest"], ["101", "Ana"], ["102", "Bo"], ["103", "Reception"]]) {
    expect((await c.call("POST", `/tenants/${T}/extensions`, { number, displayName })).status).toBe(201);
  }
  // Ana signs in with her hot-desk PIN, Bo with his voicemail PIN.
  expect((await c.call("PATCH", `/tenants/${T}/extensions/101/hot-desk`, { pin: "1234" })).status).toBe(200);
  expect((await c.call("PUT", `/tenants/${T}/extensions/102/voicemail`, { pin: "5678" })).status).toBe(200);
  for (const mac of [DESK1, DESK2]) {
    expect((await c.call("POST", "/devices", { mac, model: "T54W", tenant: T })).status).toBe(201);
    const keys = await c.call("PUT", `/devices/${mac}/keys`, [{ index: 1, kind: "blf", value: "103" }]);
    expect(keys.status, JSON.stringify(keys.json)).toBe(200);
  }
  await c.call("PUT", `/devices/${DESK1}/lines`, [{ index: 1, extension: "100" }]);
});
afterAll(async () => c.close());

/**
 * NOTIFYs go out after the answer; one to a phone that is not listening ends after timer F
 * (sipTimerFMs). Waits until no NOTIFY outcome has been added for longer than that, so a refusal
 * test compares the database with nothing still in flight.
 */
async function settled(): Promise<void> {
  let last = -1;
  let since = Date.now();
  for (;;) {
    const n = audit("notify.sent").length;
    if (n !== last) [last, since] = [n, Date.now()];
    else if (Date.now() - since > 700) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function fetchConfig(mac: string): Promise<string> {
  const device = (await c.call("GET", `/devices/${mac}`)).json;
  const r = await curl(["--digest", "-u", `${mac}:${device.provisioningPassword}`, `${c.phoneUrl}/${mac}.cfg`]);
  expect(r.status).toBe(200);
  return r.body;
}

/** What the PBX's dialplan sends: a form post with the pbx token as the Basic password. */
const pbxForm = (action: string, form: string) => curl(["-u", `pbx:${pbxToken}`, "--data", form, `${c.api}/pbx/hot-desk/${action}`]);
const pbxJson = (action: string, body: unknown) =>
  curl(["-H", `Authorization: Bearer ${pbxToken}`, "-H", "Content-Type: application/json", "--data", JSON.stringify(body), `${c.api}/pbx/hot-desk/${action}`]);

/**
 * Every table but those that record a request rather than change state: the wrong-PIN count, the
 * audit log, and the tokens' last-used time.
 */
const RECORDING = ["hot_desk_pin_failures", "audit_log", "api_tokens"];
const business = () => JSON.stringify((JSON.parse(c.snapshot()) as [string, unknown][]).filter(([t]) => !RECORDING.includes(t)));
/** Everything but the tokens' last-used time. */
const state = () => JSON.stringify((JSON.parse(c.snapshot()) as [string, unknown][]).filter(([t]) => t !== "api_tokens"));
const audit = (action: string) => c.withRuntime((rt) => rt.db.$client.prepare("select actor, detail, extension from audit_log where action = ? order by id").all(action)) as { actor: string; detail: string; extension: string }[];

describe("a hot desk, signed in through the PBX", () => {
  let baseFile = "";

  it("enables the desk: a Sign in key dialling 9902 on the first free key", async () => {
    const r = await c.call("POST", `/devices/${DESK1}/hot-desk`, {});
    expect(r.status).toBe(201);
    expect(r.json.hotDesk).toMatchObject({ mac: DESK1, tenant: T, key: 2, state: "free", extension: null });
    expect((await c.call("POST", `/devices/${DESK2}/hot-desk`, { key: 3 })).json.hotDesk.key).toBe(3);
    baseFile = await fetchConfig(DESK1);
    expect(baseFile).toContain("account.1.user_name = 100");
    expect(baseFile).toMatch(/linekey\.2\.type = 13\nlinekey\.2\.line = 1\nlinekey\.2\.value = 9902\nlinekey\.2\.label = Sign in/);
    expect(baseFile).toMatch(/linekey\.1\.type = 16\nlinekey\.1\.line = 1\nlinekey\.1\.value = 103/);
  });

  it("signs Ana in from 9902: NOTIFY reaches the phone, its next fetch is Ana's phone with a Sign out key", async () => {
    const sipp = await startSipp("notify-200.xml");
    const contact = `sip:100@127.0.0.1:${sipp.port}`;
    const hook = await c.call("POST", "/registrations/events", { aor: `sip:100@${T}`, contact, source: `127.0.0.1:${sipp.port}`, expires: 3600, event: "registered" }, "registrar");
    expect(hook.status).toBe(200);

    const r = await pbxForm("sign-in", `aor=${encodeURIComponent(`sip:100@${T}`)}&contact=${encodeURIComponent(contact)}&extension=101&pin=1234`);
    expect(r.status).toBe(200);
    expect(r.body).toBe("OK signed-in 101\n");
    expect((await sipp.done).code).toBe(0);

    const file = await fetchConfig(DESK1);
    expect(file).toContain("account.1.user_name = 101");
    expect(file).toContain("account.1.display_name = Ana");
    expect(file).not.toContain("user_name = 100");
    expect(file).toMatch(/linekey\.2\.type = 13\nlinekey\.2\.line = 1\nlinekey\.2\.value = \*46\nlinekey\.2\.label = Sign out/);
    expect(file).toMatch(/linekey\.1\.type = 16\nlinekey\.1\.line = 1\nlinekey\.1\.value = 103/);

    expect((await c.call("GET", `/devices/${DESK1}/hot-desk`)).json).toMatchObject({ state: "signed-in", extension: "101", displayName: "Ana", signedInVia: "pbx: 9902 (hot-desk PIN)" });
    expect((await c.call("GET", `/tenants/${T}/extensions/101/hot-desk`)).json).toMatchObject({ pinSource: "hot-desk", signedInAt: [DESK1] });
    expect(audit("hot_desk.sign_in").at(-1)).toMatchObject({ actor: "token:asterisk", extension: "101" });
    expect(audit("notify.sent").length).toBeGreaterThanOrEqual(1);
  });

  it("refuses an admin edit of the lines or keys while Ana sits there, saying how to fix it", async () => {
    await c.refused("PUT", `/devices/${DESK1}/lines`, [{ index: 1, extension: "102" }], 409, /extension 101 is signed in.*phonehome hot-desk sign-out 805ec0000301/);
    await c.refused("PUT", `/devices/${DESK1}/keys`, [], 409, /keys: device 805ec0000301 is a hot desk/);
  });

  it("*46 from the phone restores the base profile: the desk's own file, byte for byte", async () => {
    // Signed in, the phone dropped the guest line and registered as Ana (what the PBX reports).
    const old = (await c.call("GET", `/registrations?tenant=${T}&extension=100`)).json.registrations[0];
    await c.call("POST", "/registrations/events", { aor: `sip:100@${T}`, contact: old.contact, source: old.source, event: "unregistered" }, "registrar");
    const sipp = await startSipp("notify-200.xml");
    await c.call("POST", "/registrations/events", { aor: `sip:101@${T}`, contact: `sip:101@127.0.0.1:${sipp.port}`, source: `127.0.0.1:${sipp.port}`, expires: 3600, event: "registered" }, "registrar");
    const r = await pbxJson("release", { mac: DESK1 });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ hotDesk: { state: "free", extension: null }, notify: { notified: [DESK1] } });
    expect((await sipp.done).code).toBe(0);
    expect(await fetchConfig(DESK1)).toBe(baseFile);
    expect(audit("hot_desk.sign_out").at(-1)).toMatchObject({ detail: "pbx: *46 release" });
  });

  it("a second sign-in of the same person moves them: the first desk goes back to its base", async () => {
    expect((await c.call("POST", `/devices/${DESK1}/hot-desk/sign-in`, { extension: "101" })).status).toBe(200);
    const r = await pbxJson("sign-in", { mac: DESK2, extension: "101", pin: "1234" });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ hotDesk: { mac: DESK2, extension: "101" }, moved: [DESK1] });
    expect(await fetchConfig(DESK1)).toBe(baseFile);
    expect(await fetchConfig(DESK2)).toContain("account.1.user_name = 101");
    const list = (await c.call("GET", `/hot-desks?tenant=${T}`, undefined, "readonly")).json.hotDesks;
    expect(list.map((d: { mac: string; extension: string | null }) => [d.mac, d.extension])).toEqual([[DESK1, null], [DESK2, "101"]]);
  });

  it("9999 signs the person out of every desk", async () => {
    const r = await pbxForm("deactivate", `mac=${DESK2}`);
    expect(r.body).toBe(`OK signed-out ${DESK2}\n`);
    expect((await c.call("GET", `/devices/${DESK2}/hot-desk`)).json.state).toBe("free");
  });

  it("Bo signs in with his voicemail PIN", async () => {
    const r = await pbxJson("sign-in", { mac: DESK2, extension: "102", pin: "5678" });
    expect(r.status).toBe(200);
    expect((await c.call("GET", `/devices/${DESK2}/hot-desk`)).json).toMatchObject({ extension: "102", signedInVia: "pbx: 9902 (voicemail PIN)" });
    expect((await c.call("POST", `/devices/${DESK2}/hot-desk/sign-out`)).status).toBe(200);
  });
});

describe("refusals change nothing", () => {
  beforeAll(settled);
  it("a wrong PIN changes nothing but the count, is audited, and past the limit even the right PIN is refused", async () => {
    await settled();
    const before = business();
    const failures = () => c.withRuntime((rt) => (rt.db.$client.prepare("select count(*) as n from hot_desk_pin_failures").get() as { n: number }).n);
    for (let i = 1; i <= 3; i++) {
      const r = await pbxForm("sign-in", `mac=${DESK1}&extension=101&pin=0000`);
      expect(r.status).toBe(403);
      expect(r.body).toBe("ERR wrong_pin wrong PIN for extension 101: nothing changed\n");
      expect(failures()).toBe(i);
    }
    const right = await pbxJson("sign-in", { mac: DESK1, extension: "101", pin: "1234" });
    expect(right.status).toBe(429);
    expect(JSON.parse(right.body).error.message).toMatch(/too many wrong PINs for this extension; try again in 15 minutes/);
    expect(business()).toBe(before);
    expect(audit("hot_desk.pin_refused")).toHaveLength(3);
    // An administrator can still sign Ana in (no PIN); it does not clear the count.
    expect((await c.call("POST", `/devices/${DESK1}/hot-desk/sign-in`, { extension: "101" })).status).toBe(200);
    expect((await c.call("POST", `/devices/${DESK1}/hot-desk/sign-out`)).status).toBe(200);
  });

  it.each([
    [{ extension: "102", pin: "5678" }, 400, /mac: name the calling phone/],
    [{ mac: "805ec0999999", extension: "102", pin: "5678" }, 404, /no device 805ec0999999/],
    [{ mac: DESK1, extension: "199", pin: "5678" }, 404, /no extension 199 in tenant hd\.example/],
    [{ mac: DESK1, extension: "103", pin: "5678" }, 409, /extension 103 has no PIN/],
    [{ mac: DESK1, extension: "102", pin: "56x8" }, 400, /pin: must be the digits/],
    [{ mac: DESK1, extension: "102", pin: "5678", extra: 1 }, 400, /extra/],
    [{ aor: "sip:999@hd.example", extension: "102", pin: "5678" }, 404, /no extension with SIP user 999/],
  ])("refuses sign-in %j", async (body, status, message) => {
    await settled();
    const before = state();
    const r = await pbxJson("sign-in", body);
    expect(r.status).toBe(status);
    expect(JSON.parse(r.body).error.message).toMatch(message);
    expect(state()).toBe(before);
  });

  it("refuses a free desk's release, a device that is no hot desk, and another tenant's token", async () => {
    await settled();
    const before = state();
    expect((await pbxForm("release", `mac=${DESK1}`)).body).toMatch(/^ERR conflict device 805ec0000301 is a free hot desk: nobody is signed in\n$/);
    expect(state()).toBe(before);
    await c.call("POST", "/devices", { mac: "805ec0000399", model: "T54W", tenant: T });
    const mid = state();
    const notDesk = await pbxJson("sign-in", { mac: "805ec0000399", extension: "102", pin: "5678" });
    expect(notDesk.status).toBe(409);
    expect(JSON.parse(notDesk.body).error.message).toMatch(/805ec0000399 is not a hot desk; an administrator enables it with phonehome hot-desk enable/);
    expect(state()).toBe(mid);
    // Its hot-desk state is not found (404), with how to make it a hot desk.
    const get = await c.call("GET", "/devices/805ec0000399/hot-desk");
    expect(get.status).toBe(404);
    expect(get.json.error.message).toMatch(/805ec0000399 is not a hot desk: enable it first \(phonehome hot-desk enable 805ec0000399.*phonehome hot-desk default add --tenant hd\.example T54W/);
    expect(state()).toBe(mid);
    const other = (await c.withRuntime((rt) => createToken(rt, "pbx", "other-pbx", ["other.example"]))).token;
    const mid2 = state();
    const r = await curl(["-H", `Authorization: Bearer ${other}`, "-H", "Content-Type: application/json", "--data", JSON.stringify({ mac: DESK1 }), `${c.api}/pbx/hot-desk/release`]);
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).error.message).toMatch(/other\.example only, not hd\.example/);
    expect(state()).toBe(mid2);
  });

  it("refuses bad admin input with the fix, changing nothing", async () => {
    await settled();
    await c.refused("POST", `/devices/${DESK1}/hot-desk`, {}, 409, /is a hot desk already/);
    await c.refused("POST", `/devices/${DESK1}/hot-desk/sign-out`, undefined, 409, /free hot desk/);
    await c.refused("POST", "/devices/805ec0000399/hot-desk", { key: 999 }, 400, /key: T54W takes keys 1-\d+; choose one of them/);
    await c.refused("POST", "/devices/805ec0000399/hot-desk/sign-in", { extension: "101" }, 409, /not a hot desk: enable it first \(phonehome hot-desk enable 805ec0000399/);
    await c.refused("PATCH", `/tenants/${T}/hot-desk/rules`, { signOutAt: "25:00" }, 400, /signOutAt: must be a 24-hour time/);
    await c.refused("PATCH", `/tenants/${T}/extensions/101/hot-desk`, { pin: "12" }, 400, /pin: must be 4 to 12 digits/);
    await c.refused("PATCH", `/tenants/${T}/extensions/101/hot-desk`, { layout: "nope" }, 400, /no key layout "nope"/);
  });
});
