import { asc, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { preparedPerDb } from "../db/prepared.ts";
import { firmwareImages, firmwarePins } from "../db/schema.ts";
import type { FirmwareRow } from "../db/rows.ts";


/** Catalogue reads on the fetch path, prepared once per database (src/db/prepared.ts). */
const queries = preparedPerDb((db) => ({
    byFileName: db.select().from(firmwareImages).where(eq(firmwareImages.fileName, sql.placeholder("fileName"))).prepare(),
    pinned: db
      .select({ image: firmwareImages })
      .from(firmwarePins)
      .innerJoin(firmwareImages, eq(firmwareImages.id, firmwarePins.firmwareId))
      .where(
        sql`${firmwarePins.tenantId} = ${sql.placeholder("tenantId")} and ${firmwarePins.vendor} = ${sql.placeholder("vendor")} and ${firmwarePins.model} = ${sql.placeholder("model")}`,
      )
      .prepare(),
}));

export function firmwareByFileName(db: Db, fileName: string): FirmwareRow | null {
  return queries(db).byFileName.get({ fileName }) ?? null;
}

/** The image a tenant pinned for a vendor model, or null. */
export function pinnedFirmware(db: Db, tenantId: number, vendor: string, model: string): FirmwareRow | null {
  return queries(db).pinned.get({ tenantId, vendor, model })?.image ?? null;
}

export function listFirmware(db: Db): FirmwareRow[] {
  return db.select().from(firmwareImages).orderBy(asc(firmwareImages.vendor), asc(firmwareImages.version), asc(firmwareImages.id)).all();
}
