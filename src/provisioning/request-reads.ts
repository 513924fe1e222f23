import type { Database, Statement } from "better-sqlite3";
import { eq, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { preparedPerDb } from "../db/prepared.ts";
import { devices, tenants } from "../db/schema.ts";
import { first, type Data } from "../db/data.ts";
import type { DeviceRow, FirmwareRow, Tenant } from "../db/rows.ts";
import { firmwareByFileName } from "../firmware/catalogue.ts";
import type { Maybe } from "./maybe.ts";

/**
 * The reads of every fetch, before the render cache can answer: the generation (render-cache.ts),
 * the device a MAC names, its row and its tenant's, and a firmware image by name. On SQLite they are
 * statements prepared once on the server's connection and run synchronously: a cached fetch then
 * costs no promise (bench:hit, docs/benchmarks.md). On PostgreSQL each is a query on the pool, so
 * every node sees a write of any node at its next fetch. Only these queries exist twice; everything
 * they feed (authorisation, resolving, rendering) is written once.
 */
export interface RequestReads {
  /** The generation files rendered now belong to, and the id of the device with `mac` (null: none has it, or no MAC). */
  look(mac: string | null): Maybe<Looked>;
  device(id: number): Maybe<DeviceRow | undefined>;
  tenant(id: number): Maybe<Tenant | null>;
  firmware(fileName: string): Maybe<FirmwareRow | null>;
}

export interface Looked {
  readonly gen: string;
  readonly deviceId: number | null;
}

/*
 * SQLite: prepared once per connection. Building a drizzle query and preparing its statement on
 * every request cost more than rendering the file (bench:boot and a CPU profile).
 */
const rowsById = preparedPerDb((db: Db) => {
  const deviceById = db.select().from(devices).where(eq(devices.id, sql.placeholder("id"))).prepare();
  const tenantById = db.select().from(tenants).where(eq(tenants.id, sql.placeholder("id"))).prepare();
  return {
    // One function each, not a closure per request: the render cache's loaders.
    device: (id: number) => deviceById.get({ id }),
    tenant: (id: number) => tenantById.get({ id }) ?? null,
  };
});

/** On the server's SQLite connection; `templateGeneration` is the template store's. */
export function sqliteRequestReads(db: Db, templateGeneration: () => number): RequestReads {
  const client: Database = db.$client;
  const rows = rowsById(db);
  // One statement for both: a device file's request needs both, and each statement costs the read lock of the WAL.
  const genAndDevice: Statement<[string | null], [number | null, number | null]> = client
    .prepare<[string | null], [number | null, number | null]>("SELECT (SELECT gen FROM config_generation WHERE id = 1), (SELECT id FROM devices WHERE mac = ?)")
    .raw();
  return {
    look(mac) {
      const [gen, deviceId] = genAndDevice.get(mac) ?? [null, null];
      return { gen: `${gen ?? 0}.${templateGeneration()}`, deviceId };
    },
    device: rows.device,
    tenant: rows.tenant,
    firmware: (fileName) => firmwareByFileName(db, fileName),
  };
}

/** Through the asynchronous handle (PostgreSQL): the same reads, one pooled query each. */
export function dataRequestReads(data: Data, templateGeneration: () => number): RequestReads {
  return {
    look: (mac) =>
      data.read(async (q) => {
        const { configGeneration: g, devices: d } = q.t;
        const deviceId = mac === null ? sql<null>`null` : sql<number | null>`(select ${d.id} from ${d} where ${d.mac} = ${mac})`.mapWith((v) => (v === null ? null : Number(v)));
        const row = first(await q.db.select({ gen: g.gen, deviceId }).from(g).where(eq(g.id, 1)).limit(1));
        return { gen: `${row?.gen ?? 0}.${templateGeneration()}`, deviceId: row?.deviceId ?? null };
      }),
    device: (id) => data.read(async (q) => first(await q.db.select().from(q.t.devices).where(eq(q.t.devices.id, id)).limit(1))),
    tenant: (id) => data.read(async (q) => first(await q.db.select().from(q.t.tenants).where(eq(q.t.tenants.id, id)).limit(1)) ?? null),
    firmware: (fileName) => data.read(async (q) => first(await q.db.select().from(q.t.firmwareImages).where(eq(q.t.firmwareImages.fileName, fileName)).limit(1)) ?? null),
  };
}

/** The reads for the database `data` is on: the synchronous ones on SQLite (on `db`, the same file). */
export function requestReadsFor(deps: { readonly db: Db; readonly data: Data }, templateGeneration: () => number): RequestReads {
  return deps.data.dialect === "sqlite" ? sqliteRequestReads(deps.db, templateGeneration) : dataRequestReads(deps.data, templateGeneration);
}
