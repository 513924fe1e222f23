import { randomBytes } from "node:crypto";
import { and, eq, getTableColumns, getTableName, isNotNull, ne, sql, type Column } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import type { Data, Query } from "../db/data.ts";
import { forgetRetiredKeys, installNewKey, type KeyRingBox } from "../secret-key-ring.ts";

/**
 * Every `*_enc` column of every table of the database file: all sealed secrets, whichever feature
 * added them. SQLite only (sqlite_master): the start-up key check (secret-key-guard.ts) reads it
 * before any handle exists; the rotation reads the same columns from the schema (sealedColumnsOf).
 */
export function sealedColumns(db: Db): { table: string; column: string }[] {
  const tables = db.$client
    .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%'")
    .all() as { name: string }[];
  return tables.flatMap((t) =>
    (db.$client.prepare(`pragma table_info("${t.name}")`).all() as { name: string }[])
      .filter((c) => c.name.endsWith("_enc"))
      .map((c) => ({ table: t.name, column: c.name })),
  );
}

const BATCH = 500;

/** The `*_enc` columns of the schema's tables, as the query handle's dialect names them. */
function sealedColumnsOf(q: Query): { table: string; column: Column }[] {
  return Object.values(q.t).flatMap((table) =>
    Object.values(getTableColumns(table) as Record<string, Column>)
      .filter((c) => c.name.endsWith("_enc"))
      .map((column) => ({ table: getTableName(table), column })),
  );
}

/**
 * Re-seals every value not sealed with the current key; returns how many. Each batch of BATCH
 * values of one column is one transaction, serializable (the default) on PostgreSQL: it re-reads
 * the values it replaces, and an update only lands where the column still holds the value read
 * (a ciphertext carries a random IV, so it names its row), so a value changed meanwhile by another
 * writer is left to it. A batch commits whole or not at all; between batches every value opens,
 * with the new key or a retired one.
 */
async function resealAll(data: Data, box: KeyRingBox): Promise<number> {
  let total = 0;
  const prefix = `v1.${box.keyId}.`;
  const columns = await data.read(async (q) => sealedColumnsOf(q).map((c) => ({ table: c.table, name: c.column.name })));
  for (const { table, name } of columns) {
    for (;;) {
      const n = await data.write(async (q) => {
        const tbl = Object.values(q.t).find((t) => getTableName(t) === table)!;
        const col = Object.values(getTableColumns(tbl) as Record<string, Column>).find((c) => c.name === name)!;
        // substr() is the same function on SQLite and PostgreSQL.
        const rows = await q.db
          .selectDistinct({ v: sql<string>`${col}` })
          .from(tbl)
          .where(and(isNotNull(col), ne(sql`substr(${col}, 1, ${prefix.length})`, prefix)))
          .limit(BATCH);
        for (const r of rows) await q.db.update(tbl).set({ [columnKey(tbl, col)]: box.seal(box.open(r.v)) }).where(eq(col, r.v));
        return rows.length;
      });
      if (!n) break;
      total += n;
    }
  }
  return total;
}

/** The property name of a column in its table (update().set() takes property names). */
function columnKey(table: Query["t"][keyof Query["t"]], column: Column): string {
  return Object.entries(getTableColumns(table) as Record<string, Column>).find(([, c]) => c === column)![0];
}

export interface RotationResult {
  readonly oldKeyId: string;
  readonly newKeyId: string;
  readonly resealed: number;
  readonly retiredKeysForgotten: boolean;
}

/**
 * Rotates the secret key: new key in place (old one retired, still readable), every sealed value
 * rewritten under the new key. With `forgetOld`, the retired keys are dropped afterwards (backups
 * made before the rotation then cannot be read with this key file).
 */
export async function rotateSecretKey(data: Data, box: KeyRingBox, keyFile: string, options: { forgetOld?: boolean } = {}): Promise<RotationResult> {
  const oldKeyId = box.keyId;
  installNewKey(keyFile, randomBytes(32));
  box.reload();
  let resealed = await resealAll(data, box);
  // A concurrent writer may have sealed with the old key just before it saw the new one: one more pass.
  resealed += await resealAll(data, box);
  if (options.forgetOld) forgetRetiredKeys(keyFile);
  return { oldKeyId, newKeyId: box.keyId, resealed, retiredKeysForgotten: options.forgetOld === true };
}
