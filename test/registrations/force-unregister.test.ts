import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";
import { curl } from "../helpers/curl.ts";
import { startSipp } from "../helpers/sipp.ts";

let c: AdminClient;
const MAC = "805ec0000201";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  // Short SIP timers and a fast tracker, NOTIFY sockets on loopback only.
  c = await startAdminClient(
    { fetchLogFlushMs: 5, sipBindHost: "127.0.0.1", sipT1Ms: 50, sipT2Ms: 400, sipTimerFMs: 2000, notifyJitterMs: 0, registrationCheckMs: 50 },
    { roles: ["admin", "registrar"] },
  );
  await c.call("POST", "/tenants", { name: "story.example", sipDomain: "story.example", sipServerHost: "127.0.0.1", provisioningBaseUrl: `${c.phoneUrl}/` });
  await c.call("POST", "/tenants/story.example/extensions", { number: "201", displayName: "Leaver" });
  await c.call("POST", "/tenants/story.example/extensions", { number: "202", displayName: "Stayer" });
  await c.call("POST", "/devices", { mac: MAC, model: "T54W", tenant: "story.example" });
  await c.call("PUT", `/devices/${MAC}/lines`, [{ index: 1, extension: "201" }, { index: 2, extension: "202" }]);
});

afterAll(async () => c.close());

function audit(action: string): { outcome: string; detail: string | null }[] {
  return c.withRuntime((rt) => rt.db.$client.prepare("select outcome, detail from audit_log where action = ? order by id").all(action) as never);
}

async function fetchConfig(): Promise<string> {
  const device = (await c.call("GET", `/devices/${MAC}`)).json;
  const r = await curl(["--digest", "-u", `${MAC}:${device.provisioningPassword}`, `${c.phoneUrl}/${MAC}.cfg`]);
  expect(r.status).toBe(200);
  return r.body;
}

/** What a Yealink does with `action_url.<event>`: substitute its variables and GET the URL. */
async function phoneReports(config: string, event: string, account: string) {
  const url = new RegExp(`^action_url\\.${event} = (\\S+)$`, "m").exec(config)![1]!.replace("$active_user", account).replace("$ip", "127.0.0.1");
  return curl([url]);
}

describe("force-unregister, the whole story", () => {
  it("takes 201 off the phone: NOTIFY with the old credentials, new config without it, confirmed", async () => {
    const oldPassword = (await c.call("GET", "/tenants/story.example/extensions/201")).json.sipPassword as string;
    const before = await fetchConfig();
    expect(before).toContain("account.1.user_name = 201");
    expect(before).toContain(`account.1.password = ${oldPassword}`);

    expect((await phoneReports(before, "registered", "201")).status).toBe(200);
    const sipp = await startSipp("notify-401.xml", { vars: { user: "201", pw: oldPassword } });
    const contact = `sip:201@127.0.0.1:${sipp.port}`;
    const hook = await c.call("POST", "/registrations/events", { aor: "sip:201@story.example", contact, source: `127.0.0.1:${sipp.port}`, userAgent: "Yealink SIP-T54W", expires: 3600, event: "registered" }, "registrar");
    expect(hook.status).toBe(200);
    const regs = (await c.call("GET", "/registrations?tenant=story.example&extension=201")).json.registrations;
    expect(regs.find((r: { contact: string }) => r.contact === contact)).toMatchObject({ mac: MAC, state: "registered" });
    expect((await c.call("GET", `/devices/${MAC}/registration`)).json.config.state).toBe("current");

    const fu = await c.call("POST", "/tenants/story.example/extensions/201/force-unregister", { mode: "remove" });
    expect(fu.status).toBe(202);
    expect(fu.json).toMatchObject({ state: "pending", mode: "remove", devices: [{ mac: MAC, state: "pending" }] });
    // sipp challenged the NOTIFY and accepted only the digest of the password the phone still holds.
    expect((await sipp.done).code).toBe(0);
    expect((await c.call("GET", `/devices/${MAC}/registration`)).json.config.state).toBe("drift");

    const after = await fetchConfig();
    expect(after).not.toContain("= 201");
    expect(after).not.toContain(oldPassword);
    expect(after).toContain("account.2.user_name = 202");
    expect((await phoneReports(before, "unregistered", "201")).status).toBe(200);

    let state = "pending";
    for (let i = 0; i < 100 && state === "pending"; i++) {
      await sleep(20);
      state = (await c.call("GET", `/force-unregisters/${fu.json.id}`)).json.state;
    }
    const final = (await c.call("GET", `/force-unregisters/${fu.json.id}`)).json;
    expect(final.state).toBe("confirmed");
    expect(final.devices[0]).toMatchObject({ mac: MAC, notify: "ok" });
    expect(["fetched", "unregistered"]).toContain(final.devices[0].state);
    expect((await c.call("GET", "/tenants/story.example/extensions/201")).json.sipPassword).not.toBe(oldPassword);
    expect(audit("extension.force_unregister")).toHaveLength(1);
    expect(audit("notify.sent")).toEqual([{ outcome: "ok", detail: "200 OK" }]);
    expect(audit("force_unregister.confirmed")).toHaveLength(1);
  });
});

describe("refusals change nothing", () => {
  it("refuses an event with a wrong secret, logs it, and leaves registrations alone", async () => {
    const config = await fetchConfig();
    const url = /^action_url\.registered = (\S+)$/m.exec(config)![1]!.replace(/\/events\/(\w+)\/\w+\//, "/events/$1/WrongSecret0123456789ab/");
    const regs = (await c.call("GET", "/registrations")).json;
    const refused = audit("phone_event.refused").length;
    expect((await curl([url.replace("$active_user", "202").replace("$ip", "127.0.0.1")])).status).toBe(403);
    expect((await curl([`${c.phoneUrl}/events/805ec0999999/WrongSecret0123456789ab/registered?account=202`])).status).toBe(403);
    expect((await c.call("GET", "/registrations")).json).toEqual(regs);
    expect(audit("phone_event.refused").length).toBe(refused + 2);
  });

  it.each([
    [{ aor: "sip:202@story.example", event: "registered" }, 400, /contact: a registered or refreshed event needs the contact URI/],
    [{ aor: "202", contact: "sip:202@127.0.0.1:5060", event: "registered" }, 400, /aor: must be a SIP URI/],
    [{ aor: "sip:202@story.example", contact: "sip:202@127.0.0.1", event: "moved" }, 400, /event/],
    [{ aor: "sip:202@story.example", contact: "sip:202@127.0.0.1", source: "127.0.0.1", event: "registered" }, 400, /source: must be host:port/],
    [{ aor: "sip:202@story.example", contact: "sip:202@127.0.0.1", expires: -1, event: "registered" }, 400, /expires/],
    [{ aor: "sip:202@story.example", contact: "sip:202@127.0.0.1", event: "registered", extra: 1 }, 400, /extra/],
    [{ aor: "sip:999@story.example", contact: "sip:999@127.0.0.1", event: "registered" }, 404, /no extension with SIP user 999/],
    ["{not json", 400, /not valid JSON/],
  ])("refuses webhook body %j", async (body, status, message) => {
    const before = c.snapshot();
    // A string is sent as it is: "{not json" must reach the server as a broken JSON body.
    const r = await c.call("POST", "/registrations/events", body, "registrar", typeof body === "string" ? "application/json" : undefined);
    expect(r.status).toBe(status);
    expect(r.json.error.message).toMatch(message);
    expect(c.snapshot()).toBe(before);
  });

  it("lets a registrar token call only the webhook", async () => {
    const r = await c.call("GET", "/registrations", undefined, "registrar");
    expect(r.status).toBe(403);
    expect(r.json.error.message).toMatch(/registrar token may only call POST \/api\/v1\/registrations\/events/);
  });

  it("refuses a force-unregister of an unknown extension without a change", async () => {
    const before = c.snapshot();
    const r = await c.call("POST", "/tenants/story.example/extensions/299/force-unregister", {});
    expect(r.status).toBe(404);
    expect(c.snapshot()).toBe(before);
  });
});

describe("force-unregister and key layouts, groups", () => {
  const B = "805ec0000202";
  const C = "805ec0000203";
  const D = "805ec0000204";
  const T = "/tenants/story.example";
  async function file(mac: string): Promise<string> {
    const res = await c.call("GET", `/devices/${mac}/files/${mac}.cfg`);
    expect(res.status).toBe(200);
    return res.text;
  }
  // BLF keys only (type 16): each phone's own line keeps its type-15 line key, whose value is its extension.
  const blfValues = (cfg: string) => [...cfg.matchAll(/^linekey\.(\d+)\.type = 16\nlinekey\.\1\.line = \d+\nlinekey\.\1\.value = (\d+)$/gm)].map((m) => m[2]);

  beforeAll(async () => {
    for (const [number, displayName] of [["203", "Leaver Two"], ["204", "Desk 204"], ["205", "Desk 205"], ["206", "Paused"], ["207", "Desk 207"]]) {
      expect((await c.call("POST", `${T}/extensions`, { number, displayName })).status).toBe(201);
    }
    await c.call("POST", `${T}/groups`, { name: "Team", members: ["203", "204"] });
    await c.call("POST", `${T}/groups`, { name: "Floor", members: ["206", "207"] });
    const panel = await c.call("POST", `${T}/key-layouts`, { name: "panel", keys: [{ index: 5, kind: "blf", value: "203" }, { index: 8, kind: "blf_group", value: "Team" }] });
    expect(panel.status).toBe(201);
    for (const mac of [B, C, D]) expect((await c.call("POST", "/devices", { mac, model: "T54W", tenant: "story.example" })).status).toBe(201);
    await c.call("PUT", `/devices/${B}/lines`, [{ index: 1, extension: "205" }]);
    expect((await c.call("PUT", `/devices/${B}/key-layout`, { layout: "panel" })).status).toBe(200);
    await c.call("PUT", `/devices/${C}/lines`, [{ index: 1, extension: "204" }]);
    expect((await c.call("PUT", `/devices/${C}/keys`, [{ index: 3, kind: "blf_group", value: "Team" }])).status).toBe(200);
    await c.call("PUT", `/devices/${D}/lines`, [{ index: 1, extension: "205" }]);
    expect((await c.call("PUT", `/devices/${D}/keys`, [{ index: 3, kind: "blf_group", value: "Floor" }])).status).toBe(200);
  });

  it("remove: takes the extension out of key layouts and groups, so no phone shows it; every such phone is waited for", async () => {
    expect(blfValues(await file(B))).toEqual(["203", "203", "204"]);
    expect(blfValues(await file(C))).toEqual(["203"]);
    const fu = await c.call("POST", `${T}/extensions/203/force-unregister`, { mode: "remove" });
    expect(fu.status).toBe(202);
    // Neither phone has an address yet: no NOTIFY, but the request waits for both.
    expect(fu.json.devices.map((d: { mac: string }) => d.mac).sort()).toEqual([B, C]);
    for (const mac of [B, C]) {
      const cfg = await file(mac);
      expect(blfValues(cfg)).not.toContain("203");
      expect(cfg).not.toContain("Leaver Two");
    }
    expect(blfValues(await file(B))).toEqual(["204"]);
    expect((await c.call("GET", `${T}/key-layouts/panel`)).json.keys).toEqual([{ index: 8, kind: "blf_group", label: null, line: 1, value: "Team" }]);
    expect((await c.call("GET", `${T}/groups/Team`)).json.members).toEqual(["204"]);
    expect((await c.call("GET", `${T}/extensions/203/groups`)).json.groups).toEqual([]);
    const row = c.withRuntime((rt) => rt.db.$client.prepare("select after from audit_log where action = 'extension.force_unregister' order by id desc").pluck().get() as string);
    expect(JSON.parse(row)).toMatchObject({ removedFrom: { groups: ["Team"], keyLayouts: [{ layout: "panel", index: 5 }] } });
  });

  it("disable: a group BLF no longer shows the extension; enable brings it back", async () => {
    expect(blfValues(await file(D))).toEqual(["206", "207"]);
    const fu = await c.call("POST", `${T}/extensions/206/force-unregister`, { mode: "disable" });
    expect(fu.status).toBe(202);
    expect(fu.json.devices.map((d: { mac: string }) => d.mac)).toEqual([D]);
    const cfg = await file(D);
    expect(blfValues(cfg)).toEqual(["207"]);
    expect(cfg).not.toContain("Paused");
    expect((await c.call("GET", `${T}/groups/Floor`)).json.members).toEqual(["206", "207"]);
    expect((await c.call("POST", `${T}/extensions/206/enable`)).status).toBe(204);
    expect(blfValues(await file(D))).toEqual(["206", "207"]);
  });
});
