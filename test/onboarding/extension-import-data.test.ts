import { asc } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Data } from "../../src/db/data.ts";
import { readCsv } from "../../src/onboarding/csv-source.ts";
import { EXTENSION_COLUMNS, EXTENSION_CSV, type ExtensionColumn } from "../../src/onboarding/extension-columns.ts";
import { importExtensions } from "../../src/onboarding/extension-import.ts";
import type { ImportReport } from "../../src/onboarding/import.ts";
import type { ServiceDeps } from "../../src/services/deps.ts";
import { createExtension } from "../../src/services/extensions.ts";
import { createGroup } from "../../src/services/groups.ts";
import { ExtensionInput, TenantInput } from "../../src/services/schemas.ts";
import { createTenant } from "../../src/services/tenants.ts";
import { convertedDeps, dataDialects } from "../helpers/data-dialects.ts";
import { usePostgres } from "../helpers/postgres.ts";
import { refuseInsert } from "../helpers/ddl.ts";

/**
 * The extension CSV import on the asynchronous handle, the same tests on SQLite and PostgreSQL:
 * what a file writes through the services (extensions, settings sections, groups, the batch and
 * audit rows), one transaction for the whole file (a file refused at its last row, by a service or
 * by the database, leaves every table as it was), and two files giving one username at once.
 */
const postgres = usePostgres();
const NOW = new Date("2026-12-01T10:00:00Z");
const TENANT = "acme.example";

async function seed(deps: ServiceDeps): Promise<void> {
  await createTenant(deps, TenantInput.parse({ sipDomain: TENANT, sipServerHost: `pbx.${TENANT}` }));
  for (const n of ["101", "102", "103"]) await createExtension(deps, TENANT, ExtensionInput.parse({ number: n, displayName: `User ${n}` }));
  await createGroup(deps, TENANT, { name: "Sales", members: ["103"] });
  await createGroup(deps, TENANT, { name: "Desk", members: [] });
}

type Cells = Partial<Record<ExtensionColumn, string>>;
const line = (cells: Cells) => EXTENSION_COLUMNS.map((c) => cells[c] ?? "").join(",");
const file = (...rows: Cells[]) => `${[EXTENSION_COLUMNS.join(","), ...rows.map(line)].join("\n")}\n`;

function importText(deps: ServiceDeps, text: string, dryRun = false): Promise<ImportReport<ExtensionColumn>> {
  return importExtensions(deps, TENANT, readCsv([Buffer.from(text, "utf8")], EXTENSION_CSV), { dryRun, actor: "test", fileName: "extensions.csv" });
}

/** Every row of the tables an extension import writes, for "nothing changed" checks. */
const snapshot = (data: Data) =>
  data.read(async (q) => {
    const t = q.t;
    return {
      extensions: await q.db.select().from(t.extensions).orderBy(asc(t.extensions.id)),
      settings: await q.db.select().from(t.extensionSettings).orderBy(asc(t.extensionSettings.extensionId)),
      members: await q.db.select().from(t.extensionGroupMembers).orderBy(asc(t.extensionGroupMembers.groupId), asc(t.extensionGroupMembers.extensionId)),
      batches: await q.db.select().from(t.importBatches).orderBy(asc(t.importBatches.id)),
      audit: await q.db.select().from(t.auditLog).orderBy(asc(t.auditLog.id)),
      events: await q.db.select().from(t.pbxEvents).orderBy(asc(t.pbxEvents.id)),
    };
  });

/** Makes the insert of extension `refused` fail in the database itself. */
const refuseExtension = (data: Data, refused: string) => refuseInsert(data, "extension", "extensions", "number", refused);

const many = (count: number) => Array.from({ length: count }, (_, i) => ({ number: String(2000 + i), display_name: `New ${i}` }));

describe.each(dataDialects(postgres))("extension import on $name", (dialect) => {
  let data: Data;
  let deps: ServiceDeps;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ data, cleanup } = await dialect.open());
    deps = convertedDeps(data, () => NOW);
    await seed(deps);
  });
  afterEach(async () => cleanup());

  it("creates and updates extensions with their settings and groups in one batch with its audit row, and a re-import changes nothing", async () => {
    const text = file(
      { number: "101", display_name: "Alice", username: "alice", role: "administrator", voicemail: "no", presence: "no", groups: "Sales;Desk" },
      { number: "201", display_name: "New desk", sip_user: "desk201", voicemail_pin: "4321", voicemail_email: "desk@acme.example", groups: "Desk" },
      { number: "103", groups: "-" },
      { number: "102" },
    );
    const before = await snapshot(data);
    const dry = await importText(deps, text, true);
    expect(dry.problems).toEqual([]);
    expect(dry).toMatchObject({ accepted: true, dryRun: true, created: 1, updated: 2, unchanged: 1, batchId: null });
    expect(await snapshot(data)).toEqual(before);

    const r = await importText(deps, text);
    expect(r).toMatchObject({ accepted: true, rows: 4, created: 1, updated: 2, unchanged: 1, problemCount: 0 });
    const s = await snapshot(data);
    expect(s.extensions.map((e) => [e.number, e.displayName, e.sipUser])).toEqual([["101", "Alice", "101"], ["102", "User 102", "102"], ["103", "User 103", "103"], ["201", "New desk", "desk201"]]);
    const byId = new Map(s.extensions.map((e) => [e.id, e.number]));
    const settingsOf = (n: string) => s.settings.find((x) => byId.get(x.extensionId) === n)!;
    expect(settingsOf("101")).toMatchObject({ username: "alice" });
    expect(settingsOf("101").profile).toMatchObject({ username: "alice", role: "administrator" });
    expect(settingsOf("101").voicemail).toMatchObject({ unansweredCalls: "end" });
    expect(settingsOf("101").voicemailPinEnc).toBeNull();
    expect(settingsOf("101").numberSettings).toMatchObject({ presence: false });
    expect(settingsOf("201").voicemail).toMatchObject({ unansweredCalls: "voicemail", email: "desk@acme.example", emailNotification: true });
    expect(deps.secrets.open(settingsOf("201").voicemailPinEnc!)).toBe("4321");
    expect(s.members.map((m) => byId.get(m.extensionId)).sort()).toEqual(["101", "101", "201"]);
    expect(s.batches).toMatchObject([{ id: r.batchId, source: "extensions", actor: "test", fileName: "extensions.csv", rows: 4, created: 1, updated: 2, unchanged: 1, createdAt: NOW.getTime() }]);
    const actions = s.audit.slice(before.audit.length).map((a) => `${a.action} ${a.extension ?? a.target}`);
    expect(actions).toEqual([
      "extension.update 101",
      "extension.profile 101",
      "extension.voicemail 101",
      "extension.number_settings 101",
      "extension.groups 101",
      "extension.create 201",
      "extension.voicemail 201",
      "extension.groups 201",
      "extension.groups 103",
      `extensions.import import:${r.batchId}`,
    ]);

    const after = await snapshot(data);
    expect(await importText(deps, text)).toMatchObject({ accepted: true, created: 0, updated: 0, unchanged: 4, batchId: null });
    expect(await snapshot(data)).toEqual(after);
  });

  it("refuses a file whose last row a service refuses, reporting every refused row, and leaves every table as it was", async () => {
    const text = file(...many(40), { number: "101", username: "102" }, { number: "2999", display_name: "Last", groups: "Nowhere" });
    const before = await snapshot(data);
    const r = await importText(deps, text);
    expect(r).toMatchObject({ accepted: false, created: 0, updated: 0, unchanged: 0, batchId: null, problemCount: 2 });
    expect(r.problems).toEqual([
      { row: 42, column: "username", reason: expect.stringMatching(/102 is already used by extension 102/) },
      { row: 43, column: "groups", reason: expect.stringMatching(/no group "Nowhere" in this tenant/) },
    ]);
    expect(await snapshot(data)).toEqual(before);
  });

  it("fails a file whose last row the database refuses, and leaves every table as it was", async () => {
    await refuseExtension(data, "2999");
    const text = file(...many(40), { number: "101", display_name: "Renamed", groups: "Sales" }, { number: "2999", display_name: "Last" });
    const before = await snapshot(data);
    const err = (await importText(deps, text).then(() => null, (e: unknown) => e)) as (Error & { cause?: Error }) | null;
    expect(err, "the import should fail").not.toBeNull();
    expect(`${err!.message} ${err!.cause?.message ?? ""}`).toMatch(/extension refused/);
    expect(await snapshot(data)).toEqual(before);
  });

  it("of two files giving one username to two new extensions at once, exactly one is accepted", async () => {
    const results = await Promise.all([
      importText(deps, file({ number: "210", display_name: "One", username: "shared" })),
      importText(deps, file({ number: "220", display_name: "Two", username: "shared" })),
    ]);
    expect(results.filter((r) => r.accepted)).toHaveLength(1);
    const refused = results.find((r) => !r.accepted)!;
    expect(refused).toMatchObject({ created: 0, batchId: null, problems: [{ row: 2, column: "username", reason: expect.stringMatching(/shared is already used by extension (210|220)/) }] });
    const s = await snapshot(data);
    expect(s.extensions.map((e) => e.number).filter((n) => n.startsWith("2"))).toHaveLength(1);
    expect(s.settings.filter((x) => x.username === "shared")).toHaveLength(1);
    expect(s.batches).toHaveLength(1);
  });
});
