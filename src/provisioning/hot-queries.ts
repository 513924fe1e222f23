import { asc, eq, sql } from "drizzle-orm";
import { rootDb, type Db } from "../db/client.ts";
import { deviceKeys, deviceLines, devices, extensionSettings, extensions, featureCodes, tenants } from "../db/schema.ts";

/**
 * The queries of the config fetch, prepared once per database. Building a drizzle query and
 * preparing its statement on every request cost more than rendering the file (measured with
 * `bench:boot` and a CPU profile); prepared statements with placeholders remove that.
 */
function prepare(db: Db) {
  return {
    deviceByMac: db.select().from(devices).where(eq(devices.mac, sql.placeholder("mac"))).prepare(),
    tenantById: db.select().from(tenants).where(eq(tenants.id, sql.placeholder("id"))).prepare(),
    featureCodes: db.select().from(featureCodes).where(eq(featureCodes.tenantId, sql.placeholder("tenantId"))).prepare(),
    lines: db
      .select({ index: deviceLines.lineIndex, ext: extensions, settings: extensionSettings })
      .from(deviceLines)
      .innerJoin(extensions, eq(extensions.id, deviceLines.extensionId))
      .leftJoin(extensionSettings, eq(extensionSettings.extensionId, extensions.id))
      .where(eq(deviceLines.deviceId, sql.placeholder("deviceId")))
      .orderBy(asc(deviceLines.lineIndex))
      .prepare(),
    keys: db
      .select({ key: deviceKeys, target: extensions })
      .from(deviceKeys)
      .leftJoin(extensions, eq(extensions.id, deviceKeys.targetExtensionId))
      .where(eq(deviceKeys.deviceId, sql.placeholder("deviceId")))
      .orderBy(asc(deviceKeys.keyIndex))
      .prepare(),
    /** 1 when the device has a key layout or group keys (its keys need src/services/key-expansion.ts). */
    composedKeys: db.$client.prepare<[number, number], { c: number }>(
      "select (exists(select 1 from device_key_layouts where device_id = ?) or exists(select 1 from device_group_keys where device_id = ?)) as c",
    ),
  };
}

export type HotQueries = ReturnType<typeof prepare>;

const cache = new WeakMap<Db, HotQueries>();

export function hotQueries(handle: Db): HotQueries {
  const db = rootDb(handle);
  let q = cache.get(db);
  if (!q) {
    q = prepare(db);
    cache.set(db, q);
  }
  return q;
}
