import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { first, type Data, type Query } from "../db/data.ts";
import { preparedPerDb } from "../db/prepared.ts";
// eslint-disable-next-line no-restricted-imports -- the request path's synchronous reader below (SQLite)
import { firmwareImages } from "../db/schema.ts";
import type { FirmwareRow } from "../db/rows.ts";

/*
 * The catalogue's readers, through the asynchronous handle (`...In`), but one: a firmware request's
 * lookup by name on SQLite (`firmwareByFileName`), a statement prepared once per database
 * (src/db/prepared.ts) that the request path runs synchronously (src/provisioning/request-reads.ts).
 */
/* eslint-disable no-restricted-syntax -- the request path's prepared statement on SQLite (request-reads.ts) */
const byFileName = preparedPerDb((db) => db.select().from(firmwareImages).where(eq(firmwareImages.fileName, sql.placeholder("fileName"))).prepare());
/* eslint-enable no-restricted-syntax */

export function firmwareByFileName(db: Db, fileName: string): FirmwareRow | null {
  return byFileName(db).get({ fileName }) ?? null;
}

/** firmwareByFileName for converted code (the upload's name check), in a `data.read` or `data.write`. */
export async function firmwareByFileNameIn(q: Query, fileName: string): Promise<FirmwareRow | null> {
  const { firmwareImages: i } = q.t;
  return first(await q.db.select().from(i).where(eq(i.fileName, fileName)).limit(1)) ?? null;
}

/** pinnedFirmware for converted code (the rollout of the admin API and the portal), in a `data.read`. */
export async function pinnedFirmwareIn(q: Query, tenantId: number, vendor: string, model: string): Promise<FirmwareRow | null> {
  const { firmwareImages: i, firmwarePins: p } = q.t;
  const row = first(
    await q.db
      .select({ image: i })
      .from(p)
      .innerJoin(i, eq(i.id, p.firmwareId))
      .where(and(eq(p.tenantId, tenantId), eq(p.vendor, vendor as FirmwareRow["vendor"]), eq(p.model, model)))
      .limit(1),
  );
  return row?.image ?? null;
}

export function listFirmware(deps: { readonly data: Data }): Promise<FirmwareRow[]> {
  return deps.data.read((q) => q.db.select().from(q.t.firmwareImages).orderBy(asc(q.t.firmwareImages.vendor), asc(q.t.firmwareImages.version), asc(q.t.firmwareImages.id)));
}
