import { and, asc, eq, sql } from "drizzle-orm";
import type { Query } from "../db/data.ts";
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

/** pinnedFirmware in a read of the asynchronous handle: the resolver's. */
export async function pinnedFirmwareIn(q: Query, tenantId: number, vendor: FirmwareRow["vendor"], model: string): Promise<FirmwareRow | null> {
  const { firmwarePins: p, firmwareImages: i } = q.t;
  const rows = await q.db
    .select({ image: i })
    .from(p)
    .innerJoin(i, eq(i.id, p.firmwareId))
    .where(and(eq(p.tenantId, tenantId), eq(p.vendor, vendor), eq(p.model, model)))
    .limit(1);
  return rows[0]?.image ?? null;
}

export function listFirmware(db: Db): FirmwareRow[] {
  return db.select().from(firmwareImages).orderBy(asc(firmwareImages.vendor), asc(firmwareImages.version), asc(firmwareImages.id)).all();
}
