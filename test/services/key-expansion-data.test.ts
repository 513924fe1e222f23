import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Data, Query } from "../../src/db/data.ts";
import type { DeviceRow } from "../../src/db/rows.ts";
import type { ServiceDeps } from "../../src/services/deps.ts";
import { keyLimitsOf } from "../../src/services/device-rules.ts";
import { assertKeysFit } from "../../src/services/key-checks.ts";
import { devicesUsingGroup, devicesUsingLayout, expandDeviceKeys, readDeviceKeys, storedDeviceKeys } from "../../src/services/key-expansion.ts";
import { convertedDeps, dataDialects } from "../helpers/data-dialects.ts";
import { addDevice, addExtension, addSettings, addTenant } from "../helpers/device-data.ts";
import { usePostgres } from "../helpers/postgres.ts";

/**
 * The one reader of a device's keys and the key-fit check, on the asynchronous handle: the same
 * body on SQLite and PostgreSQL, and the synchronous form the fetch path keeps reading the same.
 */
const postgres = usePostgres();

interface Seed {
  readonly desk: DeviceRow;
  readonly lobby: DeviceRow;
  readonly small: DeviceRow;
  readonly sales: number;
  readonly reception: number;
}

/**
 * Extensions 101-104 (104 refuses monitoring), group "sales" of all four, layout "reception"
 * (line key, BLF 102, the group at key 5). Desk (T54W) carries 101 on line 1, uses the layout and
 * has its own keys: a speed dial over the layout's key 2, a park key, the group again at key 10.
 * Lobby (T54W) uses the layout only; small (T31, 2 keys) nothing yet.
 */
async function seed(deps: ServiceDeps): Promise<Seed> {
  const tenant = await addTenant(deps.data);
  const [e101, e102, e103, e104] = [await addExtension(deps, tenant.id, "101", "Alice"), await addExtension(deps, tenant.id, "102", "Bob"), await addExtension(deps, tenant.id, "103", "Carol"), await addExtension(deps, tenant.id, "104", "Dan")];
  await addSettings(deps.data, e104!, (s) => ({ ...s, monitoring: { ...s.monitoring, allowMonitoring: false } }));
  const desk = await addDevice(deps, tenant.id, "80:5e:c0:00:00:01");
  const lobby = await addDevice(deps, tenant.id, "80:5e:c0:00:00:02");
  const small = await addDevice(deps, tenant.id, "80:5e:c0:00:00:03", "T31");
  return deps.data.write(async (q) => {
    const [g] = await q.db.insert(q.t.extensionGroups).values({ tenantId: tenant.id, name: "sales" }).returning();
    await q.db.insert(q.t.extensionGroupMembers).values([e101!, e102!, e103!, e104!].map((e) => ({ groupId: g!.id, extensionId: e.id })));
    const [l] = await q.db.insert(q.t.keyLayouts).values({ tenantId: tenant.id, name: "reception", createdAt: 1, updatedAt: 1 }).returning();
    await q.db.insert(q.t.keyLayoutKeys).values([
      { layoutId: l!.id, keyIndex: 1, kind: "line", label: null, lineIndex: 1 },
      { layoutId: l!.id, keyIndex: 2, kind: "blf", label: null, lineIndex: 1, targetExtensionId: e102!.id },
      { layoutId: l!.id, keyIndex: 5, kind: "blf_group", label: "Sales", lineIndex: 1, targetGroupId: g!.id },
    ]);
    await q.db.insert(q.t.deviceKeyLayouts).values([{ deviceId: desk.id, layoutId: l!.id }, { deviceId: lobby.id, layoutId: l!.id }]);
    await q.db.insert(q.t.deviceLines).values({ deviceId: desk.id, lineIndex: 1, extensionId: e101!.id });
    await q.db.insert(q.t.deviceKeys).values([
      { deviceId: desk.id, keyIndex: 2, kind: "speed_dial", label: "Front", lineIndex: 1, value: "555" },
      { deviceId: desk.id, keyIndex: 3, kind: "park", label: null, lineIndex: 1, value: "700" },
    ]);
    await q.db.insert(q.t.deviceGroupKeys).values({ deviceId: desk.id, keyIndex: 10, groupId: g!.id, label: null, lineIndex: 1 });
    return { desk, lobby, small, sales: g!.id, reception: l!.id };
  });
}

const shape = (keys: readonly { index: number; kind: string; value: string | null; group: string | null; source: string }[]) =>
  keys.map((k) => `${k.index} ${k.kind} ${k.value ?? "-"}${k.group ? ` (${k.group})` : ""} [${k.source}]`);

const DESK_KEYS = [
  "1 line - [layout]",
  "2 speed_dial 555 [device]",
  "3 park 700 [device]",
  // The group's members without the desk's own line (101) and without 104, which refuses monitoring.
  "5 blf 102 (sales) [layout]",
  "6 blf 103 (sales) [layout]",
  "10 blf 102 (sales) [device]",
  "11 blf 103 (sales) [device]",
];

describe.each(dataDialects(postgres))("device keys on $name", (dialect) => {
  let data: Data;
  let deps: ServiceDeps;
  let cleanup: () => Promise<void>;
  let s: Seed;

  beforeEach(async () => {
    ({ data, cleanup } = await dialect.open());
    deps = convertedDeps(data);
    s = await seed(deps);
  });
  afterEach(async () => cleanup());

  it("reads a device's own keys, plain and group keys by index", async () => {
    const own = await data.read((q) => storedDeviceKeys(q, s.desk.id));
    expect(own.map((k) => [k.keyIndex, k.kind, k.value, k.groupName])).toEqual([
      [2, "speed_dial", "555", null],
      [3, "park", "700", null],
      [10, "blf_group", null, "sales"],
    ]);
  });

  it("merges the layout with the device's keys and expands the group keys", async () => {
    const expansion = await data.read(async (q) => expandDeviceKeys(q, s.desk, keyLimitsOf(s.desk)));
    expect(shape(expansion.keys)).toEqual(DESK_KEYS);
    expect(expansion.problems).toEqual([]);
    const read = await data.read((q) => readDeviceKeys(q, s.desk.id));
    expect(read).toMatchObject({ layout: { name: "reception" }, composed: true });
    expect(await data.read((q) => readDeviceKeys(q, s.small.id))).toEqual({ layout: null, own: [], composed: false });
  });

  it("finds the devices a layout or a group reaches", async () => {
    expect((await data.read((q) => devicesUsingLayout(q, s.reception))).sort()).toEqual([s.desk.id, s.lobby.id].sort());
    expect((await data.read((q) => devicesUsingGroup(q, s.sales))).sort()).toEqual([s.desk.id, s.lobby.id].sort());
  });

  it("refuses keys that no longer fit inside the write, and the write leaves nothing", async () => {
    const put = (q: Query) => q.db.insert(q.t.deviceKeyLayouts).values({ deviceId: s.small.id, layoutId: s.reception });
    await expect(
      data.write(async (q) => {
        await put(q);
        await assertKeysFit(q, [s.small.id, s.desk.id], "layout");
      }),
    ).rejects.toMatchObject({ status: 400, message: "layout: on device 805ec0000003, key 5: T31 has 2 programmable key(s)" });
    expect(await data.read((q) => devicesUsingLayout(q, s.reception))).toHaveLength(2);
    await data.write(async (q) => assertKeysFit(q, [s.desk.id, s.lobby.id], "layout"));
  });
});
