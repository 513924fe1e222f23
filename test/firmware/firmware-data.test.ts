import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { asc } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Data } from "../../src/db/data.ts";
import { listFirmware, pinnedFirmwareIn } from "../../src/firmware/catalogue.ts";
import { deletePin, listPins, setPin } from "../../src/firmware/pins.ts";
import { servedName } from "../../src/firmware/names.ts";
import { addFirmware, addFirmwareFile, deleteFirmware, getFirmware, type FirmwareDeps } from "../../src/firmware/service.ts";
import { withActor } from "../../src/services/actor.ts";
import { TenantInput } from "../../src/services/schemas.ts";
import { createTenant } from "../../src/services/tenants.ts";
import { convertedDeps, dataDialects } from "../helpers/data-dialects.ts";
import { usePostgres } from "../helpers/postgres.ts";

/**
 * The firmware catalogue and the tenants' pins on the asynchronous handle: add, list, pin, unpin,
 * delete with their audit rows, the same tests on SQLite and PostgreSQL. A clock that fails midway
 * (after the first write of a transaction) must leave the tables, and the folder, as they were.
 */
const postgres = usePostgres();
const TENANT = "fw.example";
const NOW = new Date("2026-12-01T10:00:00Z");
const LIMIT = 1_000_000;

/** Every row of the tables a firmware change writes, for "nothing changed" checks. */
const snapshot = (data: Data) =>
  data.read(async (q) => ({
    images: await q.db.select().from(q.t.firmwareImages).orderBy(asc(q.t.firmwareImages.id)),
    pins: await q.db.select().from(q.t.firmwarePins).orderBy(asc(q.t.firmwarePins.model)),
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

const image = (version: string, models = ["T54W"]) => ({ vendor: "yealink", models, version, name: `T54W-${version}.rom` });
const bytes = (text: string) => Readable.from([Buffer.from(text)]);

describe.each(dataDialects(postgres))("firmware catalogue and pins on $name", (dialect) => {
  let data: Data;
  let deps: FirmwareDeps;
  let cleanup: () => Promise<void>;
  let dir: string;
  const files = () => readdirSync(join(dir, "yealink")).filter((f) => !f.startsWith(".")).sort();

  beforeEach(async () => {
    ({ data, cleanup } = await dialect.open());
    dir = mkdtempSync(join(tmpdir(), "phonehome-fw-"));
    deps = { ...convertedDeps(data, () => NOW), firmwareDir: dir };
    await createTenant(deps, TenantInput.parse({ name: TENANT, sipDomain: TENANT, sipServerHost: `pbx.${TENANT}` }));
  });
  afterEach(async () => {
    await cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("catalogues an image with its size, hash and audit row, lists and reads it, and refuses its name twice", async () => {
    const row = await withActor("cli", () => addFirmware(deps, image("96.86.0.100", ["T54W", "t57w"]), bytes("image one"), LIMIT));
    expect(row).toMatchObject({ vendor: "yealink", models: ["T54W", "T57W"], version: "96.86.0.100", fileName: "96.86.0.100-T54W-96.86.0.100.rom", size: 9, createdAt: NOW.getTime() });
    expect(row.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await getFirmware(deps, row.id)).toEqual(row);
    expect(await listFirmware(deps)).toEqual([row]);
    expect(files()).toEqual([row.fileName]);
    const before = await snapshot(data);
    expect(before.audit.filter((a) => a.action.startsWith("firmware.")).map(({ actor, action, target }) => ({ actor, action, target }))).toEqual([{ actor: "cli", action: "firmware.create", target: `firmware:${row.fileName}` }]);
    await expect(addFirmware(deps, image("96.86.0.100"), bytes("again"), LIMIT)).rejects.toMatchObject({ status: 409, message: `name: firmware ${row.fileName} is already in the catalogue` });
    await expect(getFirmware(deps, row.id + 1)).rejects.toMatchObject({ status: 404, message: `no firmware image ${row.id + 1}` });
    expect(await snapshot(data)).toEqual(before);
    expect(files()).toEqual([row.fileName]);
  });

  it("adds a local file with the same checks, refusing before it opens the file", async () => {
    const path = join(dir, "T54W-96.86.0.110.rom");
    writeFileSync(path, "local image");
    const row = await addFirmwareFile(deps, path, { vendor: "yealink", models: ["T54W"], version: "96.86.0.110" }, LIMIT);
    expect(row).toMatchObject({ fileName: "96.86.0.110-T54W-96.86.0.110.rom", size: 11 });
    await expect(addFirmwareFile(deps, join(dir, "missing.rom"), { vendor: "yealink", models: ["T54W"], version: "96.86.0.110", name: path }, LIMIT)).rejects.toMatchObject({ status: 409 });
  });

  it("pins a version, replaces the pin, unpins it, each audited with what it replaced", async () => {
    const one = await addFirmware(deps, image("96.86.0.100"), bytes("one"), LIMIT);
    const two = await addFirmware(deps, image("96.86.0.120"), bytes("two"), LIMIT);
    const tenantId = (await data.read((q) => q.db.select().from(q.t.tenants)))[0]!.id;
    expect(await setPin(deps, TENANT, "Yealink", "t54w", "96.86.0.100")).toEqual({ vendor: "yealink", model: "T54W", version: "96.86.0.100", fileName: one.fileName, firmwareId: one.id });
    await setPin(deps, TENANT, "yealink", "T54W", "96.86.0.120");
    expect(await listPins(deps, TENANT)).toEqual([{ vendor: "yealink", model: "T54W", version: "96.86.0.120", fileName: two.fileName, firmwareId: two.id }]);
    const pinned = await data.read(async (q) => pinnedFirmwareIn(q, tenantId, "yealink", "T54W"));
    expect(pinned).toEqual(two);
    await deletePin(deps, TENANT, "yealink", "T54W");
    expect(await listPins(deps, TENANT)).toEqual([]);
    const audit = (await snapshot(data)).audit.filter((a) => a.action.startsWith("firmware.pin") || a.action === "firmware.unpin");
    expect(audit.map(({ action, target, before, after }) => ({ action, target, before, after }))).toEqual([
      { action: "firmware.pin", target: `firmware_pin:${TENANT}/yealink/T54W`, before: null, after: { vendor: "yealink", model: "T54W", version: "96.86.0.100", fileName: one.fileName, firmwareId: one.id } },
      {
        action: "firmware.pin",
        target: `firmware_pin:${TENANT}/yealink/T54W`,
        before: { version: "96.86.0.100", fileName: one.fileName, firmwareId: one.id },
        after: { vendor: "yealink", model: "T54W", version: "96.86.0.120", fileName: two.fileName, firmwareId: two.id },
      },
      { action: "firmware.unpin", target: `firmware_pin:${TENANT}/yealink/T54W`, before: { version: "96.86.0.120", fileName: two.fileName, firmwareId: two.id }, after: null },
    ]);
  });

  it("refuses a version not catalogued for the model, an unknown tenant, a missing pin and deleting a pinned image, writing nothing", async () => {
    const one = await addFirmware(deps, image("96.86.0.100"), bytes("one"), LIMIT);
    await setPin(deps, TENANT, "yealink", "T54W", "96.86.0.100");
    const before = await snapshot(data);
    await expect(setPin(deps, TENANT, "yealink", "T57W", "96.86.0.100")).rejects.toMatchObject({ status: 400, message: "version: no yealink firmware 96.86.0.100 for T57W in the catalogue" });
    await expect(setPin(deps, "nope.example", "yealink", "T54W", "96.86.0.100")).rejects.toMatchObject({ status: 404, message: "no tenant named nope.example" });
    await expect(deletePin(deps, TENANT, "yealink", "T57W")).rejects.toMatchObject({ status: 404, message: `tenant ${TENANT} pins no firmware for yealink T57W` });
    await expect(deleteFirmware(deps, one.id)).rejects.toMatchObject({ status: 409, message: `firmware ${one.fileName} is pinned by a tenant; unpin it first` });
    expect(await snapshot(data)).toEqual(before);
    expect(files()).toEqual([one.fileName]);
    await deletePin(deps, TENANT, "yealink", "T54W");
    await deleteFirmware(deps, one.id);
    expect((await snapshot(data)).images).toEqual([]);
    expect(files()).toEqual([]);
    expect((await snapshot(data)).audit.at(-1)).toMatchObject({ action: "firmware.delete", target: `firmware:${one.fileName}`, before: { id: one.id, sha256: one.sha256 } });
  });

  it("keeps add, pin, unpin and delete all or nothing", async () => {
    const before = await snapshot(data);
    // addFirmware reads the clock for the row, then for its audit row; the stored file goes too.
    await expect(addFirmware({ ...deps, clock: failingClock(2) }, image("96.86.0.100"), bytes("one"), LIMIT)).rejects.toThrow("clock failed midway");
    expect(await snapshot(data)).toEqual(before);
    expect(files()).toEqual([]);
    const one = await addFirmware(deps, image("96.86.0.100"), bytes("one"), LIMIT);
    const added = await snapshot(data);
    // setPin reads it for the pin's row, then for the audit row.
    await expect(setPin({ ...deps, clock: failingClock(2) }, TENANT, "yealink", "T54W", "96.86.0.100")).rejects.toThrow("clock failed midway");
    // deleteFirmware reads it for the audit row only, after the delete; the file stays with its row.
    await expect(deleteFirmware({ ...deps, clock: failingClock(1) }, one.id)).rejects.toThrow("clock failed midway");
    expect(await snapshot(data)).toEqual(added);
    expect(files()).toEqual([one.fileName]);
    await setPin(deps, TENANT, "yealink", "T54W", "96.86.0.100");
    const pinned = await snapshot(data);
    // deletePin reads it for the audit row only, after the delete.
    await expect(deletePin({ ...deps, clock: failingClock(1) }, TENANT, "yealink", "T54W")).rejects.toThrow("clock failed midway");
    expect(await snapshot(data)).toEqual(pinned);
  });

  it("gives two uploads of one name at once one success, and keeps the winner's file as catalogued", async () => {
    const results = await Promise.allSettled([addFirmware(deps, image("96.86.0.100"), bytes("first upload"), LIMIT), addFirmware(deps, image("96.86.0.100"), bytes("second upload"), LIMIT)]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const won = results.find((r) => r.status === "fulfilled")!.value;
    expect(results.find((r) => r.status === "rejected")!.reason).toMatchObject({ status: 409 });
    expect(files()).toEqual([won.fileName]);
    expect(readdirSync(join(dir, "yealink")).filter((f) => f.startsWith(".incoming-"))).toEqual([]);
    const stored = readFileSync(join(dir, "yealink", won.fileName));
    expect(createHash("sha256").update(stored).digest("hex")).toBe(won.sha256);
    expect((await snapshot(data)).images.map((i) => i.sha256)).toEqual([won.sha256]);
  });

  it("refuses an upload whose file name is taken by a file outside the catalogue, leaving that file and the catalogue as they were", async () => {
    const name = servedName("96.86.0.100", "T54W-96.86.0.100.rom");
    mkdirSync(join(dir, "yealink"), { recursive: true });
    writeFileSync(join(dir, "yealink", name), "left by an interrupted upload");
    const before = await snapshot(data);
    await expect(addFirmware(deps, image("96.86.0.100"), bytes("new"), LIMIT)).rejects.toMatchObject({
      status: 409,
      message: expect.stringContaining(`a file ${name} is already in`),
    });
    expect(readFileSync(join(dir, "yealink", name), "utf8")).toBe("left by an interrupted upload");
    expect(readdirSync(join(dir, "yealink"))).toEqual([name]);
    expect(await snapshot(data)).toEqual(before);
  });

  it("gives a pin and a delete of one image at once one success: never a pin of a deleted image", async () => {
    const one = await addFirmware(deps, image("96.86.0.100"), bytes("one"), LIMIT);
    const results = await Promise.allSettled([setPin(deps, TENANT, "yealink", "T54W", "96.86.0.100"), deleteFirmware(deps, one.id)]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const s = await snapshot(data);
    if (results[0].status === "fulfilled") {
      expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ status: 409 });
      expect(s.images.map((i) => i.id)).toEqual([one.id]);
      expect(s.pins.map((p) => p.firmwareId)).toEqual([one.id]);
    } else {
      expect(results[0].reason).toMatchObject({ status: 400, message: "version: no yealink firmware 96.86.0.100 for T54W in the catalogue" });
      expect(s.images).toEqual([]);
      expect(s.pins).toEqual([]);
    }
  });
});
