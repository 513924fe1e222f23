import { asc } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Data } from "../../src/db/data.ts";
import { withActor } from "../../src/services/actor.ts";
import type { ServiceDeps } from "../../src/services/deps.ts";
import {
  createExtension,
  deleteExtension,
  devicesUsingExtension,
  listExtensions,
  numberWarnings,
  readExtension,
  resetExtensionPassword,
  updateExtension,
} from "../../src/services/extensions.ts";
import { duplicateExtension } from "../../src/services/extension-actions.ts";
import { setNumberingPlan } from "../../src/services/numbering.ts";
import { ExtensionInput } from "../../src/services/schemas.ts";
import { convertedDeps, dataDialects } from "../helpers/data-dialects.ts";
import { usePostgres } from "../helpers/postgres.ts";

/**
 * Extensions on the asynchronous handle: create, update, new SIP password, delete, with their
 * audit rows, settings and change-feed events, the same tests on SQLite and PostgreSQL. An error
 * midway (a clock that fails on its nth call, after the first writes of the transaction) must
 * leave the database as it was.
 */
const postgres = usePostgres();
const TENANT = "acme.example";
const NOW = new Date("2026-12-01T10:00:00Z");

async function seed(data: Data): Promise<{ tenantId: number }> {
  const at = NOW.getTime();
  return data.write(async (q) => {
    const [t] = await q.db.insert(q.t.tenants).values({ name: TENANT, sipDomain: TENANT, sipServerHost: `pbx.${TENANT}`, createdAt: at, updatedAt: at }).returning();
    await q.db.insert(q.t.pbxWebhooks).values({ name: "pbx", url: "http://127.0.0.1:9/hook", secretEnc: "x", tenants: null, createdAt: at });
    return { tenantId: t!.id };
  });
}

/** Every row of the tables an extension change writes, for "nothing changed" checks. */
const snapshot = (data: Data) =>
  data.read(async (q) => ({
    extensions: await q.db.select().from(q.t.extensions).orderBy(asc(q.t.extensions.id)),
    settings: await q.db.select().from(q.t.extensionSettings).orderBy(asc(q.t.extensionSettings.extensionId)),
    audit: await q.db.select().from(q.t.auditLog).orderBy(asc(q.t.auditLog.id)),
    events: await q.db.select().from(q.t.pbxEvents).orderBy(asc(q.t.pbxEvents.id)),
    deliveries: await q.db.select().from(q.t.pbxDeliveries).orderBy(asc(q.t.pbxDeliveries.eventId), asc(q.t.pbxDeliveries.webhookId)),
    lines: await q.db.select().from(q.t.deviceLines).orderBy(asc(q.t.deviceLines.deviceId), asc(q.t.deviceLines.lineIndex)),
  }));

/** A clock that fails on its nth call: the services read it inside their transaction, after their first writes. */
function failingClock(n: number): () => Date {
  let calls = 0;
  return () => {
    if (++calls === n) throw new Error("clock failed midway");
    return NOW;
  };
}

const input = (number: string, displayName = `User ${number}`) => ExtensionInput.parse({ number, displayName });

describe.each(dataDialects(postgres))("extension service on $name", (dialect) => {
  let data: Data;
  let deps: ServiceDeps;
  let cleanup: () => Promise<void>;
  let tenantId: number;

  beforeEach(async () => {
    ({ data, cleanup } = await dialect.open());
    deps = convertedDeps(data, () => NOW);
    ({ tenantId } = await seed(data));
  });
  afterEach(async () => cleanup());

  async function addPhone(extensionId: number): Promise<void> {
    const at = NOW.getTime();
    await data.write(async (q) => {
      const [d] = await q.db
        .insert(q.t.devices)
        .values({ mac: "805ec0000101", vendor: "yealink", model: "T54W", tenantId, provUsername: "u", provPasswordEnc: "x", adminPasswordEnc: "x", createdAt: at, updatedAt: at })
        .returning();
      await q.db.insert(q.t.deviceLines).values({ deviceId: d!.id, lineIndex: 1, extensionId });
    });
  }

  it("creates an extension with its settings, its audit row and one change-feed event per webhook", async () => {
    const row = await withActor("cli", () => createExtension(deps, TENANT, input("101", "Reception")));
    expect(row).toMatchObject({ tenantId, number: "101", displayName: "Reception", sipUser: "101", authUser: "101" });
    expect(deps.secrets.open(row.sipPasswordEnc)).toMatch(/^\S{12,}$/);
    expect(await readExtension(deps, TENANT, "101")).toEqual(row);
    expect((await listExtensions(deps, TENANT)).map((e) => e.number)).toEqual(["101"]);
    const s = await snapshot(data);
    expect(s.settings).toHaveLength(1);
    expect(s.settings[0]).toMatchObject({ extensionId: row.id, username: "101" });
    expect(s.audit.map(({ actor, action, target, extension }) => ({ actor, action, target, extension }))).toEqual([
      { actor: "cli", action: "extension.create", target: `extension:${TENANT}/101`, extension: "101" },
    ]);
    expect(s.events.map(({ type, extensionKey }) => ({ type, extensionKey }))).toEqual([{ type: "extension.created", extensionKey: `${TENANT}/101` }]);
    expect(s.events[0]!.payload).toMatchObject({ id: s.events[0]!.id, type: "extension.created", tenant: TENANT, extension: "101", enabled: true });
    expect(s.deliveries.map(({ eventId, state }) => ({ eventId, state }))).toEqual([{ eventId: s.events[0]!.id, state: "pending" }]);
  });

  it("refuses a number twice, a restricted number and an unknown tenant, and writes nothing", async () => {
    await createExtension(deps, TENANT, input("101"));
    await setNumberingPlan(deps, TENANT, { restricted: [{ from: 600, to: 649, purpose: "Door phones" }], recommended: [{ from: 100, to: 199, purpose: "Staff" }] });
    const before = await snapshot(data);
    await expect(createExtension(deps, TENANT, input("101"))).rejects.toMatchObject({ status: 409, message: `extension 101 already exists in tenant ${TENANT}` });
    await expect(createExtension(deps, TENANT, input("601"))).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/^number: .*Door phones/) });
    await expect(createExtension(deps, "nope.example", input("102"))).rejects.toMatchObject({ status: 404, message: "no tenant named nope.example" });
    expect(await snapshot(data)).toEqual(before);
    expect(await numberWarnings(deps, TENANT, "150")).toEqual([]);
    expect((await numberWarnings(deps, TENANT, "250")).length).toBe(1);
  });

  it("updates and gives a new SIP password, each with its audit row and change event", async () => {
    const row = await createExtension(deps, TENANT, input("101"));
    const renamed = await updateExtension(deps, TENANT, "101", { displayName: "Front desk" });
    expect(renamed).toMatchObject({ id: row.id, displayName: "Front desk", sipPasswordEnc: row.sipPasswordEnc });
    const reset = await resetExtensionPassword(deps, TENANT, "101");
    expect(deps.secrets.open(reset.sipPasswordEnc)).not.toBe(deps.secrets.open(row.sipPasswordEnc));
    const s = await snapshot(data);
    expect(s.audit.map((a) => a.action)).toEqual(["extension.create", "extension.update", "extension.reset_password"]);
    expect(s.events.map((e) => e.type)).toEqual(["extension.created", "extension.changed", "extension.credentials_rotated"]);
    await expect(updateExtension(deps, TENANT, "999", { displayName: "x" })).rejects.toMatchObject({ status: 404, message: `no extension 999 in tenant ${TENANT}` });
  });

  it("refuses to delete an extension a phone carries unless detached, then takes it off the phone", async () => {
    const row = await createExtension(deps, TENANT, input("101"));
    await addPhone(row.id);
    expect(await devicesUsingExtension(deps, row.id)).toEqual(["805ec0000101"]);
    const before = await snapshot(data);
    await expect(deleteExtension(deps, TENANT, "101")).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/^extension 101 is on device\(s\) 805ec0000101; /) });
    expect(await snapshot(data)).toEqual(before);
    await deleteExtension(deps, TENANT, "101", { detach: true });
    const s = await snapshot(data);
    expect(s.extensions).toEqual([]);
    expect(s.lines).toEqual([]);
    expect(s.settings).toEqual([]);
    expect(s.audit.at(-1)).toMatchObject({ action: "extension.delete", detail: "detached from devices 805ec0000101" });
    expect(s.events.at(-1)).toMatchObject({ type: "extension.deleted" });
    expect(s.events.at(-1)!.payload).toMatchObject({ credentials: null, enabled: false });
  });

  it("keeps create all or nothing: a failure after the row, its audit and its settings leaves nothing", async () => {
    const before = await snapshot(data);
    // createExtension reads the clock before its transaction, then for the audit row, then for the change event.
    await expect(createExtension({ ...deps, clock: failingClock(3) }, TENANT, input("101"))).rejects.toThrow("clock failed midway");
    expect(await snapshot(data)).toEqual(before);
  });

  it("keeps update, new password and delete all or nothing", async () => {
    const row = await createExtension(deps, TENANT, input("101"));
    await addPhone(row.id);
    const before = await snapshot(data);
    // Each reads the clock for its first write, then for the audit row, then for the change event.
    await expect(updateExtension({ ...deps, clock: failingClock(3) }, TENANT, "101", { displayName: "x" })).rejects.toThrow("clock failed midway");
    await expect(resetExtensionPassword({ ...deps, clock: failingClock(3) }, TENANT, "101")).rejects.toThrow("clock failed midway");
    await expect(deleteExtension({ ...deps, clock: failingClock(3) }, TENANT, "101", { detach: true })).rejects.toThrow("clock failed midway");
    expect(await snapshot(data)).toEqual(before);
  });

  it("gives two creates of one number at once one extension and one refusal", async () => {
    const results = await Promise.allSettled([createExtension(deps, TENANT, input("101", "A")), createExtension(deps, TENANT, input("101", "B"))]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const refused = results.find((r) => r.status === "rejected")!;
    expect(refused.reason).toMatchObject({ status: 409 });
    const s = await snapshot(data);
    expect(s.extensions).toHaveLength(1);
    expect(s.events).toHaveLength(1);
  });

  it("duplicates an extension with a new number and password, refuses a taken number, and is all or nothing", async () => {
    const src = await createExtension(deps, TENANT, input("101", "Reception"));
    const before = await snapshot(data);
    await expect(duplicateExtension(deps, TENANT, "101", { number: "101" })).rejects.toMatchObject({ status: 409, message: `number: extension 101 already exists in tenant ${TENANT}` });
    await expect(duplicateExtension({ ...deps, clock: failingClock(3) }, TENANT, "101", { number: "102" })).rejects.toThrow("clock failed midway");
    expect(await snapshot(data)).toEqual(before);
    const copy = await duplicateExtension(deps, TENANT, "101", { number: "102", username: "front" });
    expect(copy).toMatchObject({ number: "102", displayName: "Reception", sipUser: "102", authUser: "102" });
    expect(deps.secrets.open(copy.sipPasswordEnc)).not.toBe(deps.secrets.open(src.sipPasswordEnc));
    const s = await snapshot(data);
    expect(s.settings.find((r) => r.extensionId === copy.id)).toMatchObject({ username: "front" });
    expect(s.audit.at(-1)).toMatchObject({ action: "extension.duplicate", detail: "copy of extension 101" });
    expect(s.events.at(-1)).toMatchObject({ type: "extension.created", extensionKey: `${TENANT}/102` });
  });
});
