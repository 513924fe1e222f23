import { asc, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { preparedPerDb } from "../db/prepared.ts";
import { deviceLines, devices, extensionSettings, extensions, featureCodes, tenants } from "../db/schema.ts";

/**
 * The queries of the config fetch, prepared once per database (src/db/prepared.ts). Building a
 * drizzle query and preparing its statement on every request cost more than rendering the file
 * (measured with `bench:boot` and a CPU profile); prepared statements with placeholders remove that.
 * A device's keys are read by src/services/key-expansion.ts, the one reader of stored keys.
 */
export const hotQueries = preparedPerDb((db: Db) => {
  const deviceById = db.select().from(devices).where(eq(devices.id, sql.placeholder("id"))).prepare();
  const tenantById = db.select().from(tenants).where(eq(tenants.id, sql.placeholder("id"))).prepare();
  return {
    deviceByMac: db.select().from(devices).where(eq(devices.mac, sql.placeholder("mac"))).prepare(),
    /** The device row of an id (the render cache's loader: one function, not a closure per request). */
    deviceRow: (id: number) => deviceById.get({ id }),
    tenantRow: (id: number) => tenantById.get({ id }) ?? null,
  featureCodes: db.select().from(featureCodes).where(eq(featureCodes.tenantId, sql.placeholder("tenantId"))).prepare(),
  lines: db
    .select({ index: deviceLines.lineIndex, ext: extensions, settings: extensionSettings })
    .from(deviceLines)
    .innerJoin(extensions, eq(extensions.id, deviceLines.extensionId))
    .leftJoin(extensionSettings, eq(extensionSettings.extensionId, extensions.id))
    .where(eq(deviceLines.deviceId, sql.placeholder("deviceId")))
    .orderBy(asc(deviceLines.lineIndex))
    .prepare(),
  };
});
