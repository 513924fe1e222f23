import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";

/**
 * Issue 3's writes (extension settings, groups, key layouts, numbering plan, duplicate, delete with
 * detach) and issue 6's imports are in the audit trail with before/after and secrets masked.
 */
let c: AdminClient;
const T = "/tenants/au.example";
const X = `${T}/extensions/101`;
const PASSWORD = "ThirdParty-Secret-9";
const PIN = "482913";

beforeAll(async () => {
  c = await startAdminClient();
  await c.call("POST", "/tenants", { name: "au.example", sipDomain: "au.example", sipServerHost: "pbx.au.example" });
  for (const number of ["101", "102", "103"]) await c.call("POST", `${T}/extensions`, { number, displayName: `User ${number}` });
});
afterAll(() => c.close());

const events = async (query: string) => {
  const r = await c.call("GET", `/audit?type=admin&limit=1000&${query}`);
  expect(r.status).toBe(200);
  expect(r.text).not.toContain(PASSWORD);
  expect(r.text).not.toContain(PIN);
  expect(r.text).not.toMatch(/v1\.[0-9a-f]{8}\./);
  return r.json.events as { action: string; actor: string; target: string; before: any; after: any; detail: string | null }[];
};
const last = async (query: string, action: string) => (await events(query)).find((e) => e.action === action);

describe("audit of extension settings", () => {
  it("records each section with before and after, the third-party password and the voicemail PIN masked", async () => {
    const endpoints = { thirdPartySoftphone: { allowed: true, sipUsername: "softy", sipPassword: PASSWORD } };
    expect((await c.call("PUT", `${X}/allowed-endpoints`, endpoints)).status).toBe(200);
    expect((await c.call("PUT", `${X}/voicemail`, { pin: PIN, emailNotification: true, email: "u101@au.example" })).status).toBe(200);
    expect((await c.call("PUT", `${X}/monitoring`, { allowMonitoring: false })).status).toBe(200);
    const ep = await last("extension=101", "extension.allowed_endpoints");
    expect(ep).toMatchObject({ actor: "token:admin", target: "extension:au.example/101" });
    expect(ep!.before.thirdPartySoftphone).toMatchObject({ allowed: false, sipPassword: null });
    expect(ep!.after.thirdPartySoftphone).toEqual({ allowed: true, sipUsername: "softy", sipPassword: "***" });
    const vm = await last("extension=101", "extension.voicemail");
    expect(vm!.before).toMatchObject({ pin: null, emailNotification: false });
    expect(vm!.after).toMatchObject({ pin: "***", emailNotification: true, email: "u101@au.example" });
    expect(await last("extension=101", "extension.monitoring")).toMatchObject({ before: { allowMonitoring: true }, after: { allowMonitoring: false } });
  });

  it("records phone numbers, avatar, groups, key layouts, the numbering plan and duplicate", async () => {
    expect((await c.call("POST", `${X}/phone-numbers`, { number: "+351210000101" })).status).toBe(201);
    const png = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex").toString("base64");
    expect((await c.call("PUT", `${X}/avatar`, { contentType: "image/png", data: png })).status).toBe(200);
    expect((await c.call("POST", `${T}/groups`, { name: "Sales", members: ["102"] })).status).toBe(201);
    expect((await c.call("PUT", `${X}/groups`, { groups: ["Sales"] })).status).toBe(200);
    expect((await c.call("POST", `${T}/key-layouts`, { name: "panel", keys: [{ index: 2, kind: "blf_group", value: "Sales" }] })).status).toBe(201);
    expect((await c.call("PUT", `${T}/numbering-plan`, { restricted: [], recommended: [{ from: 100, to: 199, purpose: "Users" }] })).status).toBe(200);
    expect((await c.call("POST", `${X}/duplicate`, { number: "104" })).status).toBe(201);
    expect(await last("extension=101", "extension.phone_numbers")).toMatchObject({ before: { phoneNumbers: [] }, after: { phoneNumbers: ["+351210000101"] } });
    expect(await last("extension=101", "extension.avatar")).toMatchObject({ after: { contentType: "image/png", bytes: 16 } });
    expect(await last("extension=101", "extension.groups")).toMatchObject({ before: { groups: [] }, after: { groups: ["Sales"] } });
    const all = await events("");
    expect(all.find((e) => e.action === "group.create")).toMatchObject({ target: "group:au.example/Sales", after: { name: "Sales", members: ["102"] } });
    expect(all.find((e) => e.action === "key_layout.create")).toMatchObject({ target: "key_layout:au.example/panel", after: { name: "panel", keys: [{ index: 2, kind: "blf_group", value: "Sales" }] } });
    expect(all.find((e) => e.action === "tenant.numbering_plan")).toMatchObject({ target: "tenant:au.example", before: { custom: false }, after: { custom: true } });
    const dup = await last("extension=104", "extension.duplicate");
    expect(dup).toMatchObject({ target: "extension:au.example/104", detail: "copy of extension 101" });
    expect(dup!.after).toMatchObject({ number: "104", sipPasswordEnc: "***" });
  });

  it("records a delete with detach, naming what it was detached from", async () => {
    expect((await c.call("POST", "/devices", { mac: "805ec0ab0001", model: "T54W", tenant: "au.example" })).status).toBe(201);
    expect((await c.call("PUT", "/devices/805ec0ab0001/lines", [{ index: 1, extension: "103" }])).status).toBe(200);
    expect((await c.call("PUT", `${T}/key-layouts/panel`, { keys: [{ index: 3, kind: "blf", value: "103" }] })).status).toBe(200);
    expect((await c.call("DELETE", `${T}/extensions/103?detach=1`)).status).toBe(204);
    const del = await last("extension=103", "extension.delete");
    expect(del).toMatchObject({ before: { number: "103" }, detail: 'detached from devices 805ec0ab0001 and key layouts "panel"' });
    expect(await last("", "key_layout.update")).toMatchObject({ before: { keys: [{ index: 2, kind: "blf_group" }] }, after: { keys: [{ index: 3, kind: "blf", value: "103" }] } });
  });

  it("delete with detach leaves no line key behind and records the groups it left", async () => {
    expect((await c.call("POST", `${T}/extensions`, { number: "105", displayName: "User 105" })).status).toBe(201);
    expect((await c.call("POST", "/devices", { mac: "805ec0ab0009", model: "T54W", tenant: "au.example" })).status).toBe(201);
    expect((await c.call("PUT", "/devices/805ec0ab0009/lines", [{ index: 1, extension: "101" }, { index: 2, extension: "105" }])).status).toBe(200);
    const keys = [{ index: 1, kind: "line", line: 1 }, { index: 2, kind: "line", line: 2 }];
    expect((await c.call("PUT", "/devices/805ec0ab0009/keys", keys)).status).toBe(200);
    expect((await c.call("POST", `${T}/groups`, { name: "Support", members: ["105"] })).status).toBe(201);
    expect((await c.call("DELETE", `${T}/extensions/105?detach=1`)).status).toBe(204);
    // The key of the line that went is gone too, as with a force-unregister; line 1's stays.
    const after = await c.call("GET", "/devices/805ec0ab0009/keys");
    expect(after.json.keys.map((k: { index: number; kind: string }) => [k.index, k.kind])).toEqual([[1, "line"]]);
    const del = await last("extension=105", "extension.delete");
    expect(del!.detail).toBe('detached from devices 805ec0ab0009 and groups "Support"');
  });

  it("records one row per import batch", async () => {
    const csv = "mac,vendor,model,tenant,lines,label,key_layout\n805ec0ab0002,,T54W,au.example,101,,\n805ec0ab0003,,T54W,au.example,102,,\n";
    expect((await c.call("POST", "/imports", csv, "admin", "text/csv")).status).toBe(201);
    const imports = (await events("")).filter((e) => e.action === "devices.import");
    expect(imports).toHaveLength(1);
    expect(imports[0]).toMatchObject({ actor: "token:admin", after: { created: 2, rows: 2 } });
  });
});
