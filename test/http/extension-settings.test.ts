import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";

let c: AdminClient;
const X = "/tenants/acme.example/extensions";

beforeAll(async () => {
  c = await startAdminClient();
  await c.call("POST", "/tenants", { sipDomain: "acme.example", sipServerHost: "pbx.acme.example", timeZone: "Europe/Lisbon" });
  for (const n of ["201", "202", "203"]) await c.call("POST", X, { number: n, displayName: `Ext ${n}` });
  await c.call("POST", "/devices", { mac: "805ec0bb0001", model: "T54W", tenant: "acme.example" });
});
afterAll(async () => c.close());

describe("numbering plan", () => {
  it.each([
    ["911", /911 is in the restricted range 911 \(Emergency Services\)/],
    ["7005", /7005 is in the restricted range 7000-7999 \(Transfer to Voicemail\)/],
    ["9950", /9950 is in the restricted range 9900-9999 \(Reserved for System Features\)/],
    ["42", /42 is in the restricted range 0-99 \(Reserved for internal use\)/],
  ])("refuses the restricted number %s, naming the range and its purpose", async (number, message) => {
    await c.refused("POST", X, { number, displayName: "x" }, 400, message);
  });

  it("accepts a number in no recommended range with a warning, and one in a range without", async () => {
    const odd = await c.call("POST", X, { number: "650", displayName: "Odd" });
    expect(odd.status).toBe(201);
    expect(odd.json.warnings[0]).toMatch(/650 is in no recommended range \(100-599 User Extensions;/);
    const fine = await c.call("POST", X, { number: "1001", displayName: "Fine" });
    expect(fine.json.warnings).toEqual([]);
  });

  it("lets a tenant adjust both tables, and go back to the document's", async () => {
    const plan = await c.call("GET", "/tenants/acme.example/numbering-plan");
    expect(plan.json.custom).toBe(false);
    expect(plan.json.restricted).toContainEqual({ from: 911, to: 911, purpose: "Emergency Services" });
    const put = await c.call("PUT", "/tenants/acme.example/numbering-plan", {
      restricted: [{ from: 600, to: 649, purpose: "Door phones" }],
      recommended: [{ from: 100, to: 999, purpose: "Everything" }],
    });
    expect(put.json.custom).toBe(true);
    await c.refused("POST", X, { number: "610", displayName: "x" }, 400, /610 is in the restricted range 600-649 \(Door phones\)/);
    expect((await c.call("POST", X, { number: "911", displayName: "Allowed here" })).json.warnings).toEqual([]);
    await c.refused("PUT", "/tenants/acme.example/numbering-plan", { restricted: [{ from: 5, to: 1, purpose: "x" }], recommended: [] }, 400, /restricted\[0\]\.to: must not be below from/);
    expect((await c.call("DELETE", "/tenants/acme.example/numbering-plan")).json.custom).toBe(false);
    expect((await c.call("DELETE", `${X}/911`)).status).toBe(204);
  });
});

describe("extension information (profile)", () => {
  it("starts with the number as username and the user role", async () => {
    expect((await c.call("GET", `${X}/201/profile`)).json).toMatchObject({ username: "201", role: "user", authentication: "single_step" });
  });

  it("enforces username, role and the personal contact of two-step authentication", async () => {
    await c.refused("PUT", `${X}/201/profile`, { role: "user" }, 400, /username: is mandatory/);
    await c.refused("PUT", `${X}/201/profile`, { username: "ana" }, 400, /role: is mandatory/);
    await c.refused("PUT", `${X}/201/profile`, { username: "ana", role: "boss" }, 400, /role: must be one of user, operator, manager, administrator/);
    await c.refused("PUT", `${X}/201/profile`, { username: "ana", role: "user", authentication: "two_step" }, 400, /personalContact: is mandatory when authentication is two_step/);
    const ok = await c.call("PUT", `${X}/201/profile`, { username: "ana", fullName: "Ana Sá", role: "manager", authentication: "two_step", personalContact: "+351912345678", loginAllowed: false });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ username: "ana", role: "manager", loginAllowed: false });
  });

  it("keeps usernames unique per tenant", async () => {
    await c.refused("PUT", `${X}/202/profile`, { username: "ana", role: "user" }, 409, /username: ana is already used by extension 201/);
    await c.refused("PUT", `${X}/202/profile`, { username: "203", role: "user" }, 409, /username: 203 is already used by extension 203/);
  });

  it("checks the avatar's type and size", async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(32)]);
    await c.refused("PUT", `${X}/201/avatar`, { contentType: "image/jpeg", data: png.toString("base64") }, 400, /not a image\/jpeg image/);
    await c.refused("PUT", `${X}/201/avatar`, { contentType: "image/svg+xml", data: png.toString("base64") }, 400, /contentType/);
    const big = Buffer.concat([png, Buffer.alloc(300 * 1024)]).toString("base64");
    await c.refused("PUT", `${X}/201/avatar`, { contentType: "image/png", data: big }, 400, /larger than 256 KiB/);
    expect((await c.call("PUT", `${X}/201/avatar`, { contentType: "image/png", data: png.toString("base64") })).json).toEqual({ contentType: "image/png", bytes: 40 });
    const got = await c.call("GET", `${X}/201/avatar`);
    expect(got.type).toBe("image/png");
  });
});

describe("communication sections", () => {
  it("voicemail: an email address is mandatory when notification is on", async () => {
    await c.refused("PUT", `${X}/201/voicemail`, { unansweredCalls: "voicemail", emailNotification: true }, 400, /email: is mandatory when emailNotification is on/);
    await c.refused("PUT", `${X}/201/voicemail`, { unansweredCalls: "end", pin: "1234" }, 400, /pin: only applies when unansweredCalls is voicemail/);
    const ok = await c.call("PUT", `${X}/201/voicemail`, { unansweredCalls: "voicemail", pin: "4321", welcomeMessage: "Out of office", emailNotification: true, email: "ana@acme.example" });
    expect(ok.json).toMatchObject({ pin: "4321", email: "ana@acme.example" });
  });

  it("allowed endpoints: third-party softphones need SIP credentials; the password only for admins", async () => {
    await c.refused("PUT", `${X}/201/allowed-endpoints`, { thirdPartySoftphone: { allowed: true } }, 400, /thirdPartySoftphone\.sipUsername: is mandatory.*thirdPartySoftphone\.sipPassword: is mandatory/);
    await c.refused("PUT", `${X}/201/allowed-endpoints`, { softphone: { allowed: true } }, 400, /softphone\.client: is mandatory/);
    const ok = await c.call("PUT", `${X}/201/allowed-endpoints`, { softphone: { allowed: true, client: "operator_console" }, thirdPartySoftphone: { allowed: true, sipUsername: "ana-zoiper", sipPassword: "s3cret-pass" } });
    expect(ok.json.thirdPartySoftphone).toEqual({ allowed: true, sipUsername: "ana-zoiper", sipPassword: "s3cret-pass" });
    expect(c.snapshot()).not.toContain("s3cret-pass");
    const tech = await c.call("GET", `${X}/201/allowed-endpoints`, undefined, "technician");
    expect(tech.json.thirdPartySoftphone).toEqual({ allowed: true, sipUsername: "ana-zoiper" });
  });

  it("allowed endpoints: a phone that is not allowed cannot be given the extension", async () => {
    await c.call("PUT", `${X}/202/allowed-endpoints`, { ipPhone: { allowed: false } });
    await c.refused("PUT", "/devices/805ec0bb0001/lines", [{ index: 1, extension: "202" }], 400, /lines\[0\]\.extension: extension 202 is not allowed on IP phones/);
    await c.call("POST", "/devices", { mac: "805ec0bb0002", model: "T46U", tenant: "acme.example" });
    await c.call("PUT", `${X}/202/allowed-endpoints`, { ipPhone: { allowed: true, devices: ["80:5e:c0:bb:00:02"] } });
    await c.refused("PUT", "/devices/805ec0bb0001/lines", [{ index: 1, extension: "202" }], 400, /extension 202 is not allowed on device 805ec0bb0001/);
    expect((await c.call("PUT", "/devices/805ec0bb0002/lines", [{ index: 1, extension: "202" }])).status).toBe(200);
    await c.refused("PUT", `${X}/202/allowed-endpoints`, { ipPhone: { allowed: false } }, 400, /it is on a line of 805ec0bb0002; remove it from that phone first/);
  });

  it("call waiting: maximum calls are mandatory when calls are queued", async () => {
    await c.refused("PUT", `${X}/201/call-waiting`, { queueCalls: true }, 400, /maxWaitingCalls: is mandatory when queueCalls is on/);
    await c.refused("PUT", `${X}/201/call-waiting`, { queueCalls: false, musicOnHold: "jazz" }, 400, /musicOnHold: only applies when queueCalls is on/);
    expect((await c.call("PUT", `${X}/201/call-waiting`, { queueCalls: false })).json).toMatchObject({ queueCalls: false, maxWaitingCalls: null });
  });

  it("phone numbers belong to one extension; the presentation number is one of them", async () => {
    await c.refused("PUT", `${X}/201/number-settings`, { presentationNumber: "+351210000001" }, 400, /presentationNumber: \+351210000001 is not one of extension 201's phone numbers/);
    expect((await c.call("POST", `${X}/201/phone-numbers`, { number: "+351210000001" })).json.phoneNumbers).toEqual(["+351210000001"]);
    await c.refused("POST", `${X}/202/phone-numbers`, { number: "+351210000001" }, 409, /already belongs to extension 201/);
    const ns = await c.call("PUT", `${X}/201/number-settings`, { presentationNumber: "+351210000001", country: "PT", presentation: "anonymous" });
    expect(ns.json).toMatchObject({ presentationNumber: "+351210000001", presentation: "anonymous", presence: true });
    await c.refused("DELETE", `${X}/201/phone-numbers/+351210000001`, undefined, 409, /is the presentation number/);
  });

  it("presence and monitoring decide whether a BLF may watch the extension, naming the reason", async () => {
    await c.call("PUT", `${X}/203/number-settings`, { presence: false });
    await c.refused("PUT", "/devices/805ec0bb0001/keys", [{ index: 1, kind: "blf", value: "203" }], 400, /keys\[0\]\.value: a BLF may not watch extension 203: may not be monitored \(number settings: presence off\)/);
    await c.call("PUT", `${X}/203/number-settings`, { presence: true });
    await c.call("PUT", `${X}/203/monitoring`, { allowMonitoring: false, monitorOthers: true });
    await c.refused("PUT", "/devices/805ec0bb0001/keys", [{ index: 1, kind: "blf", value: "203" }], 400, /does not allow its calls to be monitored \(monitoring: allowMonitoring off\)/);
    await c.call("PUT", `${X}/203/monitoring`, { allowMonitoring: true });
    expect((await c.call("PUT", "/devices/805ec0bb0001/keys", [{ index: 1, kind: "blf", value: "203" }])).status).toBe(200);
    await c.refused("PUT", `${X}/203/number-settings`, { presence: false }, 400, /BLF keys on device 805ec0bb0001 watch it/);
  });
});

describe("forwarding", () => {
  const rules = { mode: "schedule", destination: "+351219999999", rules: [{ days: ["mon", "tue", "wed", "thu", "fri"], from: "18:00", to: "24:00" }] };

  it("validates destinations, schedules and ring time", async () => {
    await c.refused("PUT", `${X}/201/forwarding`, { unconditional: { mode: "destination" } }, 400, /unconditional\.destination: is mandatory when mode is destination/);
    await c.refused("PUT", `${X}/201/forwarding`, { unconditional: { mode: "schedule", destination: "5" } }, 400, /unconditional\.rules: needs at least one rule/);
    await c.refused("PUT", `${X}/201/forwarding`, { conditional: { noAnswer: { action: "forward", destination: "202" } } }, 400, /conditional\.noAnswer\.ringTimeSeconds: is mandatory when action is forward/);
    await c.refused("PUT", `${X}/201/forwarding`, { unconditional: { ...rules, rules: [{ days: ["mon"], from: "20:00", to: "08:00" }] } }, 400, /to: must be after from/);
  });

  it("answers the effective forwarding at an instant: unconditional overrides conditional within its period", async () => {
    const put = await c.call("PUT", `${X}/201/forwarding`, {
      unconditional: rules,
      exceptionNumbers: ["202", "+351911111111"],
      conditional: { busy: { action: "forward", destination: "9901" }, noAnswer: { action: "forward", destination: "202", ringTimeSeconds: 20 } },
    });
    expect(put.status).toBe(200);
    // Monday 2026-06-01 19:30 in Lisbon (UTC+1 in summer) = 18:30Z: inside the rule.
    const evening = await c.call("GET", `${X}/201/forwarding/effective?at=2026-06-01T18:30:00Z`);
    expect(evening.json).toMatchObject({ localTime: "mon 19:30 Europe/Lisbon", unconditional: { destination: "+351219999999", rule: 0 }, conditional: null, exceptionNumbers: ["202", "+351911111111"] });
    const morning = await c.call("GET", `${X}/201/forwarding/effective?at=2026-06-01T08:00:00Z`);
    expect(morning.json.unconditional).toBeNull();
    expect(morning.json.conditional.noAnswer).toEqual({ action: "forward", destination: "202", ringTimeSeconds: 20 });
    const saturday = await c.call("GET", `${X}/201/forwarding/effective?at=2026-06-06T20:00:00Z`);
    expect(saturday.json.unconditional).toBeNull();
    expect((await c.call("GET", `${X}/201/forwarding/effective?at=yesterday`)).json.error.message).toMatch(/at: must be an ISO 8601 instant/);
  });
});

describe("profile actions", () => {
  it("duplicate: a new number and new secrets, every other setting copied", async () => {
    await c.refused("POST", `${X}/201/duplicate`, { number: "9950" }, 400, /9950 is in the restricted range 9900-9999/);
    const orig = await c.call("GET", `${X}/201`);
    const dup = await c.call("POST", `${X}/201/duplicate`, { number: "204", username: "ana2" });
    expect(dup.status).toBe(201);
    expect(dup.json.number).toBe("204");
    expect(dup.json.sipPassword).not.toBe(orig.json.sipPassword);
    // The PIN is a secret: a new random one of the same length, not the original's.
    const vm = (await c.call("GET", `${X}/204/voicemail`)).json;
    expect(vm).toMatchObject({ pin: expect.stringMatching(/^[0-9]{4}$/), email: "ana@acme.example" });
    expect(vm.pin === "4321").toBe(false);
    expect((await c.call("GET", `${X}/204/profile`)).json).toMatchObject({ username: "ana2", role: "manager" });
    expect((await c.call("GET", `${X}/204/forwarding`)).json.unconditional.mode).toBe("schedule");
    expect((await c.call("GET", `${X}/204/allowed-endpoints`)).json.thirdPartySoftphone).toEqual({ allowed: false, sipUsername: null, sipPassword: null });
    expect((await c.call("GET", `${X}/204/number-settings`)).json.presentationNumber).toBeNull();
  });

  it("reset password: phones carrying the extension get the new one at their next fetch", async () => {
    const before = await c.call("GET", "/devices/805ec0bb0002/files/805ec0bb0002.cfg");
    const reset = await c.call("POST", `${X}/202/reset-password`);
    const after = await c.call("GET", "/devices/805ec0bb0002/files/805ec0bb0002.cfg");
    expect(after.text).toContain(`account.1.password = ${reset.json.sipPassword}`);
    expect(before.text).not.toContain(reset.json.sipPassword);
  });

  it("delete: refused while phones carry it, unless asked to detach them; the phone's file loses the line", async () => {
    await c.refused("DELETE", `${X}/202`, undefined, 409, /is on device\(s\) 805ec0bb0002.*detach=1/);
    expect((await c.call("DELETE", `${X}/202?detach=1`)).status).toBe(204);
    expect((await c.call("GET", "/devices/805ec0bb0002/lines")).json.lines).toEqual([]);
    const file = await c.call("GET", "/devices/805ec0bb0002/files/805ec0bb0002.cfg");
    expect(file.text).toContain("account.1.enable = 0");
  });
});
