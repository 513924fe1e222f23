import { randomBytes } from "node:crypto";
import { writeTransaction, type Db } from "../db/client.ts";
import { forgetRetiredKeys, installNewKey, type KeyRingBox } from "../secret-key-ring.ts";

/** Every `*_enc` column of every table: all sealed secrets, whichever feature added them. */
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

/** Re-seals, in short transactions, every value not sealed with the current key; returns how many. */
function resealAll(db: Db, box: KeyRingBox): number {
  let total = 0;
  const prefix = `v1.${box.keyId}.`;
  for (const { table, column } of sealedColumns(db)) {
    for (;;) {
      const rows = db.$client
        .prepare(`select rowid as id, "${column}" as v from "${table}" where "${column}" is not null and substr("${column}", 1, ${prefix.length}) <> ? limit ${BATCH}`)
        .all(prefix) as { id: number; v: string }[];
      if (!rows.length) break;
      writeTransaction(db, () => {
        const update = db.$client.prepare(`update "${table}" set "${column}" = ? where rowid = ? and "${column}" = ?`);
        for (const r of rows) update.run(box.seal(box.open(r.v)), r.id, r.v);
      });
      total += rows.length;
    }
  }
  return total;
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
export function rotateSecretKey(db: Db, box: KeyRingBox, keyFile: string, options: { forgetOld?: boolean } = {}): RotationResult {
  const oldKeyId = box.keyId;
  installNewKey(keyFile, randomBytes(32));
  box.reload();
  let resealed = resealAll(db, box);
  // A concurrent writer may have sealed with the old key just before it saw the new one: one more pass.
  resealed += resealAll(db, box);
  if (options.forgetOld) forgetRetiredKeys(keyFile);
  return { oldKeyId, newKeyId: box.keyId, resealed, retiredKeysForgotten: options.forgetOld === true };
}
