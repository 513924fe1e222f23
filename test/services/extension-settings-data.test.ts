import { asc } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Data } from "../../src/db/data.ts";
import { withActor } from "../../src/services/actor.ts";
import { deleteAvatar, getAvatar, hasAvatar, putAvatar } from "../../src/services/avatar.ts";
import type { ServiceDeps } from "../../src/services/deps.ts";
import {
  AllowedEndpointsInput,
  CallWaitingInput,
  ForwardingInput,
  MonitoringInput,
  NumberSettingsInput,
  ProfileInput,
  VoicemailInput,
} from "../../src/services/extension-settings/schemas.ts";
import {
  putAllowedEndpoints,
  putCallWaiting,
  putForwarding,
  putMonitoring,
  putNumberSettings,
  putProfile,
  putVoicemail,
  readSettings,
} from "../../src/services/extension-settings/sections.ts";
import { createExtension } from "../../src/services/extensions.ts";
import { createGroup, readExtensionGroups, setExtensionGroups } from "../../src/services/groups.ts";
import { addPhoneNumber, readPhoneNumbers, removePhoneNumber } from "../../src/services/phone-numbers.ts";
import { ExtensionInput } from "../../src/services/schemas.ts";
import { convertedDeps, dataDialects } from "../helpers/data-dialects.ts";
import { usePostgres } from "../helpers/postgres.ts";

/**
 * Extension settings (the guide's sections), phone numbers, avatars and an extension's groups on
 * the asynchronous handle, the same tests on SQLite and PostgreSQL: what each write stores and
 * audits, its refusals, that a
 * failure midway (a clock that fails on its nth call, after the first writes of the transaction)
 * leaves the database as it was, and that two conflicting writes at once give one success and one
 * refusal.
 */
const postgres = usePostgres();
const TENANT = "acme.example";
const NOW = new Date("2026-12-01T10:00:00Z");
const profile = (username: string) => ProfileInput.parse({ username, role: "user" });
const PNG = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000", "hex");

/** Every row the settings, phone-number and avatar writes touch, for "nothing changed" checks. */
const snapshot = (data: Data) =>
  data.read(async (q) => ({
    extensions: await q.db.select().from(q.t.extensions).orderBy(asc(q.t.extensions.id)),
    settings: await q.db.select().from(q.t.extensionSettings).orderBy(asc(q.t.extensionSettings.extensionId)),
    allowed: await q.db.select().from(q.t.extensionAllowedDevices).orderBy(asc(q.t.extensionAllowedDevices.deviceId)),
    phoneNumbers: await q.db.select().from(q.t.extensionPhoneNumbers).orderBy(asc(q.t.extensionPhoneNumbers.phoneNumber)),
    avatars: await q.db.select().from(q.t.extensionAvatars).orderBy(asc(q.t.extensionAvatars.extensionId)),
    members: await q.db.select().from(q.t.extensionGroupMembers).orderBy(asc(q.t.extensionGroupMembers.groupId), asc(q.t.extensionGroupMembers.extensionId)),
    audit: await q.db.select().from(q.t.auditLog).orderBy(asc(q.t.auditLog.id)),
  }));

/** A clock that fails on its nth call: the services read it inside their transaction, after their first writes. */
function failingClock(n: number): () => Date {
  let calls = 0;
  return () => {
    if (++calls === n) throw new Error("clock failed midway");
    return NOW;
  };
}

describe.each(dataDialects(postgres))("extension settings, phone numbers and avatars on $name", (dialect) => {
  let data: Data;
  let deps: ServiceDeps;
  let cleanup: () => Promise<void>;
  let tenantId: number;

  beforeEach(async () => {
    ({ data, cleanup } = await dialect.open());
    deps = convertedDeps(data, () => NOW);
    const at = NOW.getTime();
    tenantId = await data.write(async (q) => {
      const [t] = await q.db.insert(q.t.tenants).values({ name: TENANT, sipDomain: TENANT, sipServerHost: `pbx.${TENANT}`, createdAt: at, updatedAt: at }).returning();
      return t!.id;
    });
    for (const n of ["101", "102"]) await createExtension(deps, TENANT, ExtensionInput.parse({ number: n, displayName: `User ${n}` }));
  });
  afterEach(async () => cleanup());

  /** A phone of the tenant, with extension `lineOf` on its line 1 and a BLF key watching `watches`. */
  async function addPhone(mac: string, opts: { lineOf?: string; watches?: string; tenant?: number } = {}): Promise<void> {
    const at = NOW.getTime();
    await data.write(async (q) => {
      const ext = async (n: string) => (await q.db.select().from(q.t.extensions)).find((e) => e.number === n)!.id;
      const [d] = await q.db
        .insert(q.t.devices)
        .values({ mac, vendor: "yealink", model: "T54W", tenantId: opts.tenant ?? tenantId, provUsername: mac, provPasswordEnc: "x", adminPasswordEnc: "x", createdAt: at, updatedAt: at })
        .returning();
      if (opts.lineOf) await q.db.insert(q.t.deviceLines).values({ deviceId: d!.id, lineIndex: 1, extensionId: await ext(opts.lineOf) });
      if (opts.watches) await q.db.insert(q.t.deviceKeys).values({ deviceId: d!.id, keyIndex: 2, kind: "blf", targetExtensionId: await ext(opts.watches) });
    });
  }

  it("replaces each section, bumps the extension, and audits it with the PIN and password masked", async () => {
    await withActor("cli", async () => {
      await putProfile(deps, TENANT, "101", ProfileInput.parse({ username: "ana", fullName: "Ana", role: "manager" }));
      await putVoicemail(deps, TENANT, "101", VoicemailInput.parse({ pin: "4321" }));
      await putCallWaiting(deps, TENANT, "101", CallWaitingInput.parse({ queueCalls: false }));
      await putMonitoring(deps, TENANT, "101", MonitoringInput.parse({ monitorOthers: true }));
      await putForwarding(deps, TENANT, "101", ForwardingInput.parse({ unconditional: { mode: "destination", destination: "+351912345678" } }));
      await putAllowedEndpoints(deps, TENANT, "101", AllowedEndpointsInput.parse({ thirdPartySoftphone: { allowed: true, sipUsername: "softy", sipPassword: "Sekret-Soft-99" } }));
    });
    const { ext, settings, allowedDevices } = await readSettings(deps, TENANT, "101");
    expect(settings.username).toBe("ana");
    expect(settings.profile).toMatchObject({ username: "ana", fullName: "Ana", role: "manager" });
    expect(deps.secrets.open(settings.voicemail.pinEnc!)).toBe("4321");
    expect(deps.secrets.open(settings.allowedEndpoints.thirdPartySoftphone.sipPasswordEnc!)).toBe("Sekret-Soft-99");
    expect(settings.callWaiting.queueCalls).toBe(false);
    expect(settings.monitoring.monitorOthers).toBe(true);
    expect(settings.forwarding.unconditional).toMatchObject({ mode: "destination", destination: "+351912345678" });
    expect(allowedDevices).toBeNull();
    expect(ext.updatedAt).toBe(NOW.getTime());
    const s = await snapshot(data);
    const audit = s.audit.filter((a) => a.extension === "101" && a.action !== "extension.create");
    expect(audit.map((a) => [a.actor, a.action])).toEqual([
      ["cli", "extension.profile"],
      ["cli", "extension.voicemail"],
      ["cli", "extension.call_waiting"],
      ["cli", "extension.monitoring"],
      ["cli", "extension.forwarding"],
      ["cli", "extension.allowed_endpoints"],
    ]);
    const text = JSON.stringify(audit);
    expect(text).not.toContain("4321");
    expect(text).not.toContain("Sekret-Soft-99");
    expect(text).not.toContain(settings.voicemail.pinEnc!);
  });

  it("refuses a username another extension has, and an unknown extension, writing nothing", async () => {
    await putProfile(deps, TENANT, "101", profile("ana"));
    const before = await snapshot(data);
    await expect(putProfile(deps, TENANT, "102", profile("ana"))).rejects.toMatchObject({ status: 409, message: "username: ana is already used by extension 101" });
    // 101's number is free again as a username, 102's is not (102 has no other username).
    await expect(putProfile(deps, TENANT, "101", profile("102"))).rejects.toMatchObject({ status: 409, message: "username: 102 is already used by extension 102" });
    await expect(putCallWaiting(deps, TENANT, "999", CallWaitingInput.parse({ queueCalls: false }))).rejects.toMatchObject({ status: 404, message: `no extension 999 in tenant ${TENANT}` });
    expect(await snapshot(data)).toEqual(before);
  });

  it("keeps a presentation number among the extension's phone numbers, and refuses to remove it", async () => {
    await expect(putNumberSettings(deps, TENANT, "101", NumberSettingsInput.parse({ presentationNumber: "+351210000001" }))).rejects.toMatchObject({
      status: 400,
      message: "presentationNumber: +351210000001 is not one of extension 101's phone numbers",
    });
    expect(await addPhoneNumber(deps, TENANT, "101", "+351210000002")).toEqual(["+351210000002"]);
    expect(await addPhoneNumber(deps, TENANT, "101", "+351210000001")).toEqual(["+351210000001", "+351210000002"]);
    await expect(addPhoneNumber(deps, TENANT, "102", "+351210000001")).rejects.toMatchObject({ status: 409, message: "number: +351210000001 already belongs to extension 101" });
    await putNumberSettings(deps, TENANT, "101", NumberSettingsInput.parse({ presentationNumber: "+351210000001" }));
    await expect(removePhoneNumber(deps, TENANT, "101", "+351210000001")).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/is the presentation number of extension 101/) });
    await expect(removePhoneNumber(deps, TENANT, "101", "+351219999999")).rejects.toMatchObject({ status: 404 });
    expect(await removePhoneNumber(deps, TENANT, "101", "+351210000002")).toEqual(["+351210000001"]);
    expect(await readPhoneNumbers(deps, TENANT, "101")).toEqual(["+351210000001"]);
    const audit = (await snapshot(data)).audit.filter((a) => a.action === "extension.phone_numbers");
    expect(audit.map((a) => a.after)).toEqual([{ phoneNumbers: ["+351210000002"] }, { phoneNumbers: ["+351210000001", "+351210000002"] }, { phoneNumbers: ["+351210000001"] }]);
  });

  it("restricts IP phones to listed devices of the tenant, and refuses to leave a carrying phone disallowed", async () => {
    await addPhone("805ec0000101", { lineOf: "101" });
    await addPhone("805ec0000102");
    const other = await data.write(async (q) => {
      const at = NOW.getTime();
      const [t] = await q.db.insert(q.t.tenants).values({ name: "other.example", sipDomain: "other.example", sipServerHost: "pbx.other.example", createdAt: at, updatedAt: at }).returning();
      return t!.id;
    });
    await addPhone("805ec0000199", { tenant: other });
    const listed = await putAllowedEndpoints(deps, TENANT, "102", AllowedEndpointsInput.parse({ ipPhone: { allowed: true, devices: ["805ec0000102", "805EC0000102"] } }));
    expect(listed.allowedDevices).toEqual(["805ec0000102"]);
    expect((await readSettings(deps, TENANT, "102")).allowedDevices).toEqual(["805ec0000102"]);
    const before = await snapshot(data);
    await expect(putAllowedEndpoints(deps, TENANT, "102", AllowedEndpointsInput.parse({ ipPhone: { allowed: true, devices: ["805ec0000199"] } }))).rejects.toMatchObject({
      status: 400,
      message: "ipPhone.devices[0]: no device 805ec0000199 in this extension's tenant",
    });
    await expect(putAllowedEndpoints(deps, TENANT, "101", AllowedEndpointsInput.parse({ ipPhone: { allowed: false } }))).rejects.toMatchObject({
      status: 400,
      message: "ipPhone: extension 101 is not allowed on IP phones (allowed endpoints: ipPhone off), but it is on a line of 805ec0000101; remove it from that phone first",
    });
    await expect(putAllowedEndpoints(deps, TENANT, "101", AllowedEndpointsInput.parse({ ipPhone: { allowed: true, devices: ["805ec0000102"] } }))).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/^ipPhone: extension 101 is not allowed on device 805ec0000101 .*but it is on a line of 805ec0000101/),
    });
    expect(await snapshot(data)).toEqual(before);
    const audit = before.audit.at(-1)!;
    expect(audit).toMatchObject({ action: "extension.allowed_endpoints", after: { ipPhone: { allowed: true, devices: ["805ec0000102"] } } });
  });

  it("refuses presence or monitoring off while a BLF key watches the extension, naming the phone", async () => {
    await addPhone("805ec0000101", { lineOf: "101", watches: "102" });
    const before = await snapshot(data);
    await expect(putNumberSettings(deps, TENANT, "102", NumberSettingsInput.parse({ presence: false }))).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/^presence: .*but BLF keys on device 805ec0000101 watch it; remove those keys first$/),
    });
    await expect(putMonitoring(deps, TENANT, "102", MonitoringInput.parse({ allowMonitoring: false }))).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/^allowMonitoring: .*but BLF keys on device 805ec0000101 watch it/),
    });
    expect(await snapshot(data)).toEqual(before);
    await putMonitoring(deps, TENANT, "101", MonitoringInput.parse({ allowMonitoring: false }));
    expect((await readSettings(deps, TENANT, "101")).settings.monitoring.allowMonitoring).toBe(false);
  });

  it("stores, reads and removes an avatar, checking its bytes, with audit rows of type and size only", async () => {
    await expect(putAvatar(deps, TENANT, "101", { contentType: "image/png", data: Buffer.from("hello").toString("base64") })).rejects.toMatchObject({ status: 400 });
    await expect(getAvatar(deps, TENANT, "101")).rejects.toMatchObject({ status: 404, message: "extension 101 has no avatar" });
    expect(await putAvatar(deps, TENANT, "101", { contentType: "image/png", data: PNG.toString("base64") })).toEqual({ contentType: "image/png", bytes: PNG.length });
    const a = await getAvatar(deps, TENANT, "101");
    expect(a.contentType).toBe("image/png");
    expect(a.data.equals(PNG)).toBe(true);
    const { ext } = await readSettings(deps, TENANT, "101");
    expect(await hasAvatar(deps, ext.id)).toBe(true);
    await deleteAvatar(deps, TENANT, "101");
    await deleteAvatar(deps, TENANT, "101");
    expect(await hasAvatar(deps, ext.id)).toBe(false);
    const audit = (await snapshot(data)).audit.filter((r) => r.action === "extension.avatar");
    expect(audit.map((r) => [r.before, r.after])).toEqual([
      [null, { contentType: "image/png", bytes: PNG.length }],
      [{ contentType: "image/png", bytes: PNG.length }, null],
    ]);
  });

  it("replaces an extension's groups by name, refusing an unknown one, with its audit row", async () => {
    await createGroup(deps, TENANT, { name: "Sales", members: [] });
    await createGroup(deps, TENANT, { name: "Desk", members: ["102"] });
    expect(await setExtensionGroups(deps, TENANT, "101", ["Sales", "Desk", "Sales"])).toEqual(["Desk", "Sales"]);
    expect(await readExtensionGroups(deps, TENANT, "101")).toEqual(["Desk", "Sales"]);
    const before = await snapshot(data);
    await expect(setExtensionGroups(deps, TENANT, "101", ["Desk", "Nope"])).rejects.toMatchObject({ status: 400, message: 'groups[1]: no group "Nope" in this tenant' });
    await expect(setExtensionGroups({ ...deps, clock: failingClock(1) }, TENANT, "101", ["Desk"])).rejects.toThrow("clock failed midway");
    expect(await snapshot(data)).toEqual(before);
    expect(await setExtensionGroups(deps, TENANT, "101", [])).toEqual([]);
    const audit = (await snapshot(data)).audit.filter((a) => a.action === "extension.groups");
    expect(audit.map((a) => [a.before, a.after])).toEqual([
      [{ groups: [] }, { groups: ["Desk", "Sales"] }],
      [{ groups: ["Desk", "Sales"] }, { groups: [] }],
    ]);
  });

  it("keeps every write all or nothing: a failure after its first writes leaves the tables as they were", async () => {
    await addPhone("805ec0000102");
    await addPhoneNumber(deps, TENANT, "101", "+351210000001");
    await putAvatar(deps, TENANT, "101", { contentType: "image/png", data: PNG.toString("base64") });
    const before = await snapshot(data);
    // A section's write reads the clock for the extension's updatedAt (after saving the settings), then for the audit row.
    const late = { ...deps, clock: failingClock(2) };
    await expect(putProfile(late, TENANT, "101", profile("ana"))).rejects.toThrow("clock failed midway");
    await expect(putAllowedEndpoints({ ...deps, clock: failingClock(2) }, TENANT, "101", AllowedEndpointsInput.parse({ ipPhone: { allowed: true, devices: ["805ec0000102"] } }))).rejects.toThrow(
      "clock failed midway",
    );
    await expect(putVoicemail({ ...deps, clock: failingClock(1) }, TENANT, "101", VoicemailInput.parse({ pin: "1234" }))).rejects.toThrow("clock failed midway");
    // Phone numbers and avatars read it once, for the audit row, after their insert or delete.
    await expect(addPhoneNumber({ ...deps, clock: failingClock(1) }, TENANT, "101", "+351210000002")).rejects.toThrow("clock failed midway");
    await expect(removePhoneNumber({ ...deps, clock: failingClock(1) }, TENANT, "101", "+351210000001")).rejects.toThrow("clock failed midway");
    await expect(putAvatar({ ...deps, clock: failingClock(1) }, TENANT, "102", { contentType: "image/png", data: PNG.toString("base64") })).rejects.toThrow("clock failed midway");
    await expect(deleteAvatar({ ...deps, clock: failingClock(1) }, TENANT, "101")).rejects.toThrow("clock failed midway");
    expect(await snapshot(data)).toEqual(before);
  });

  it("gives two writes of one username or one phone number at once one success and one refusal", async () => {
    const names = await Promise.allSettled([
      putProfile(deps, TENANT, "101", profile("ana")),
      putProfile(deps, TENANT, "102", profile("ana")),
    ]);
    expect(names.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(names.find((r) => r.status === "rejected")!.reason).toMatchObject({ status: 409 });
    const numbers = await Promise.allSettled([addPhoneNumber(deps, TENANT, "101", "+351210000001"), addPhoneNumber(deps, TENANT, "102", "+351210000001")]);
    expect(numbers.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(numbers.find((r) => r.status === "rejected")!.reason).toMatchObject({ status: 409, message: expect.stringMatching(/^number: \+351210000001 already belongs to extension 10[12]$/) });
    const s = await snapshot(data);
    expect(s.settings.filter((r) => r.username === "ana")).toHaveLength(1);
    expect(s.phoneNumbers).toHaveLength(1);
  });
});
