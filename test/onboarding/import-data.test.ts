import { asc } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Data } from "../../src/db/data.ts";
import { batchStatus, listBatches } from "../../src/onboarding/batches.ts";
import { claimDevices } from "../../src/onboarding/claim.ts";
import { readDeviceCsv } from "../../src/onboarding/csv-source.ts";
import { exportRows } from "../../src/onboarding/export.ts";
import { exportExtensionsCsv } from "../../src/onboarding/extension-export.ts";
import { createGroup } from "../../src/services/groups.ts";
import { importDevices, type ImportReport } from "../../src/onboarding/import.ts";
import type { ServiceDeps } from "../../src/services/deps.ts";
import { createExtension } from "../../src/services/extensions.ts";
import { ExtensionInput, TenantInput } from "../../src/services/schemas.ts";
import { createTenant } from "../../src/services/tenants.ts";
import { convertedDeps, dataDialects } from "../helpers/data-dialects.ts";
import { usePostgres } from "../helpers/postgres.ts";
import { csv } from "./helpers.ts";
import { refuseInsert } from "../helpers/ddl.ts";

/**
 * The device CSV import and claims on the asynchronous handle, the same tests on SQLite and
 * PostgreSQL: what an import writes and reports, its batch status and the export back, one
 * transaction for the whole file (a file refused at its last row, after several slices of writes,
 * leaves every table as it was), and two claims of one phone at once.
 */
const postgres = usePostgres();
const NOW = new Date("2026-12-01T10:00:00Z");
const TENANT = "acme.example";

const mac = (n: number) => `805ec0${n.toString(16).padStart(6, "0")}`;
const row = (n: number, lines = "101;102", label = `Desk ${n}`, keys = "") => `${mac(n)},,T54W,${TENANT},${lines},${label},${keys}`;

async function seed(deps: ServiceDeps): Promise<void> {
  await createTenant(deps, TenantInput.parse({ sipDomain: TENANT, sipServerHost: `pbx.${TENANT}` }));
  for (const n of ["101", "102", "103"]) await createExtension(deps, TENANT, ExtensionInput.parse({ number: n, displayName: `User ${n}` }));
}

function importText(deps: ServiceDeps, text: string, dryRun = false): Promise<ImportReport> {
  return importDevices(deps, readDeviceCsv([Buffer.from(text, "utf8")]), { dryRun, actor: "test", source: "csv", fileName: "devices.csv" });
}

/** Every row of the tables an import or a claim writes, for "nothing changed" checks. */
const snapshot = (data: Data) =>
  data.read(async (q) => {
    const t = q.t;
    return {
      devices: await q.db.select().from(t.devices).orderBy(asc(t.devices.id)),
      lines: await q.db.select().from(t.deviceLines).orderBy(asc(t.deviceLines.deviceId), asc(t.deviceLines.lineIndex)),
      keys: await q.db.select().from(t.deviceKeys).orderBy(asc(t.deviceKeys.deviceId), asc(t.deviceKeys.keyIndex)),
      secrets: await q.db.select().from(t.deviceEventSecrets).orderBy(asc(t.deviceEventSecrets.deviceId)),
      batches: await q.db.select().from(t.importBatches).orderBy(asc(t.importBatches.id)),
      members: await q.db.select().from(t.importBatchDevices).orderBy(asc(t.importBatchDevices.batchId), asc(t.importBatchDevices.row)),
      audit: await q.db.select().from(t.auditLog).orderBy(asc(t.auditLog.id)),
      inbox: await q.db.select().from(t.discoveredDevices).orderBy(asc(t.discoveredDevices.mac)),
      windows: await q.db.select().from(t.bootstrapWindows).orderBy(asc(t.bootstrapWindows.deviceId)),
    };
  });

/** Makes the insert of the device `refused` fail. */
const refuseDevice = (data: Data, refused: string) => refuseInsert(data, "device", "devices", "mac", refused);

async function exportText(deps: ServiceDeps): Promise<string[][]> {
  const rows: string[][] = [];
  for await (const r of await exportRows(deps)) rows.push(r);
  return rows;
}

describe.each(dataDialects(postgres))("device import on $name", (dialect) => {
  let data: Data;
  let deps: ServiceDeps;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ data, cleanup } = await dialect.open());
    deps = convertedDeps(data, () => NOW);
    await seed(deps);
  });
  afterEach(async () => cleanup());

  it("imports a file in one batch with its audit row, reports its status, exports it back, and a re-import changes nothing", async () => {
    const file = csv(row(1), row(2, "103", "Lobby", "2:blf:101|3:speed_dial:5551234"), row(3, "101;;103"));
    expect(await importText(deps, file, true)).toMatchObject({ accepted: true, dryRun: true, created: 3, batchId: null });
    expect((await snapshot(data)).devices).toEqual([]);

    const r = await importText(deps, file);
    expect(r).toMatchObject({ accepted: true, rows: 3, created: 3, updated: 0, unchanged: 0, problemCount: 0 });
    const s = await snapshot(data);
    expect(s.devices.map((d) => [d.mac, d.model, d.label, d.createdAt])).toEqual([
      [mac(1), "T54W", "Desk 1", NOW.getTime()],
      [mac(2), "T54W", "Lobby", NOW.getTime()],
      [mac(3), "T54W", "Desk 3", NOW.getTime()],
    ]);
    expect(s.lines.map((l) => l.lineIndex)).toEqual([1, 2, 1, 1, 3]);
    expect(s.keys.map((k) => [k.keyIndex, k.kind, k.value])).toEqual([[2, "blf", null], [3, "speed_dial", "5551234"]]);
    expect(s.secrets).toHaveLength(3);
    expect(s.members.map((m) => [m.mac, m.action, m.row])).toEqual([[mac(1), "created", 2], [mac(2), "created", 3], [mac(3), "created", 4]]);
    expect(s.audit.at(-1)).toMatchObject({ actor: "test", action: "devices.import", target: `import:${r.batchId}` });

    // One phone fetched its configuration since the batch: min() of a bigint column on PostgreSQL comes back a number.
    await data.write((q) =>
      q.db.insert(q.t.fetchLog).values({ at: NOW.getTime() + 1000, transport: "http", sourceIp: "192.0.2.7", fileName: `${mac(1)}.cfg`, mac: mac(1), deviceId: s.devices[0]!.id, outcome: "served", status: 200 }),
    );
    const status = await batchStatus(deps, r.batchId!);
    expect(status.summary).toEqual({ fetched: 1, refused: 0, never: 2, registered: 0 });
    expect(status.devices[0]).toMatchObject({ mac: mac(1), state: "fetched", firstFetchAt: NOW.getTime() + 1000, lastRequestAt: NOW.getTime() + 1000 });
    expect((await listBatches(deps)).map((b) => b.id)).toEqual([r.batchId]);

    expect(await exportText(deps)).toEqual([
      [mac(1), "yealink", "T54W", TENANT, "101;102", "Desk 1", ""],
      [mac(2), "yealink", "T54W", TENANT, "103", "Lobby", "2:blf:101|3:speed_dial:5551234"],
      [mac(3), "yealink", "T54W", TENANT, "101;;103", "Desk 3", ""],
    ]);
    const before = await snapshot(data);
    expect(await importText(deps, file)).toMatchObject({ accepted: true, created: 0, updated: 0, unchanged: 3, batchId: null });
    expect(await snapshot(data)).toEqual(before);
  });

  it("refuses a file at its last row after writing several slices, and leaves every table as it was", async () => {
    await importText(deps, csv(row(1), row(2)));
    const count = 1201; // more than one chunk of lookups and three slices of writes
    const file = csv(row(1, "103"), row(2, "103", "Moved"), ...Array.from({ length: count }, (_, i) => row(100 + i)));
    await refuseDevice(data, mac(100 + count - 1));
    const before = await snapshot(data);
    const err = (await importText(deps, file).then(() => null, (e: unknown) => e)) as (Error & { cause?: Error }) | null;
    expect(err, "the import should fail").not.toBeNull();
    // SQLite reports a trigger's RAISE as a constraint failure, which the import answers with its 409.
    expect(`${err!.message} ${err!.cause?.message ?? ""}`).toMatch(dialect.name.startsWith("SQLite") ? /changed while the file was being checked; nothing was imported/ : /device refused/);
    expect(await snapshot(data)).toEqual(before);
  });

  it("claims a phone from the inbox with a zero-touch window, and of two claims of it at once exactly one succeeds", async () => {
    await data.write(async (q) => {
      await q.db.insert(q.t.discoveredDevices).values({ mac: mac(9), vendor: "yealink", model: "T54W", lastFile: `${mac(9)}.cfg`, sourceIp: "192.0.2.9", transport: "http", firstSeenAt: NOW.getTime(), lastSeenAt: NOW.getTime() });
    });
    const claim = { mac: mac(9), tenant: TENANT, lines: ["101"] };
    const results = await Promise.allSettled([claimDevices(deps, claim, "alice"), claimDevices(deps, claim, "bob")]);
    const created = results.filter((r) => r.status === "fulfilled" && r.value.created === 1 && r.value.batchId !== null);
    expect(created).toHaveLength(1);
    const other = results.find((r) => r !== created[0])!;
    // The second either finds the phone a device already, or is refused by the write's re-check.
    if (other.status === "fulfilled") expect(other.value).toMatchObject({ accepted: false, created: 0, batchId: null });
    else expect(other.reason).toMatchObject({ status: 409 });
    const s = await snapshot(data);
    expect(s.devices.map((d) => d.mac)).toEqual([mac(9)]);
    expect(s.batches.map((b) => b.source)).toEqual(["claim"]);
    expect(s.inbox).toEqual([]);
    expect(s.windows).toMatchObject([{ deviceId: s.devices[0]!.id, sourceIp: "192.0.2.9", reason: "claim", expiresAt: NOW.getTime() + 600_000 }]);
    expect(s.audit.filter((a) => a.action === "devices.claim")).toHaveLength(1);
  });

  it("exports a tenant's extensions with their settings and groups, and refuses an unknown tenant before the stream", async () => {
    await createGroup(deps, TENANT, { name: "Sales", members: ["101", "103"] });
    await createGroup(deps, TENANT, { name: "Desk", members: ["101"] });
    let text = "";
    for await (const chunk of await exportExtensionsCsv(deps, TENANT)) text += String(chunk);
    const lines = text.trim().split("\n");
    expect(lines[0]).toBe("number,display_name,sip_user,auth_user,username,role,voicemail,voicemail_email,presence,groups");
    expect(lines.slice(1)).toEqual(["101,User 101,101,101,101,user,yes,,yes,Desk;Sales", "102,User 102,102,102,102,user,yes,,yes,", "103,User 103,103,103,103,user,yes,,yes,Sales"]);
    await expect(exportExtensionsCsv(deps, "nowhere.example")).rejects.toMatchObject({ status: 404 });
  });
});
