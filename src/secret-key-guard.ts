import { existsSync } from "node:fs";
import { ConfigError } from "./config.ts";
import type { Db } from "./db/client.ts";
import { createKeyRingBox, retiredKeysPath, type KeyRingBox } from "./secret-key-ring.ts";
import { loadOrCreateKey } from "./secrets.ts";
import { sealedColumns } from "./services/key-rotation.ts";

/** Key id -> number of values sealed with it, over every `*_enc` column of the database. */
function sealedKeyIds(db: Db): Map<string, number> {
  const ids = new Map<string, number>();
  for (const { table, column } of sealedColumns(db)) {
    // Ciphertext is `v1.<keyId>.<iv>.<data>.<tag>` (src/secrets.ts): the id is the second part.
    const rows = db.$client
      .prepare(
        `select substr("${column}", 4, instr(substr("${column}", 4), '.') - 1) as id, count(*) as n from "${table}" where "${column}" like 'v1.%' group by id`,
      )
      .all() as { id: string; n: number }[];
    for (const r of rows) ids.set(r.id, (ids.get(r.id) ?? 0) + r.n);
  }
  return ids;
}

/**
 * Opens the key ring, creating the key file only for a database that holds no sealed value.
 *
 * Without this, a missing key file (unmounted volume, a restore without it) was replaced by a new
 * key without a word: every known phone's fetch then failed, and new secrets were sealed with the
 * new key, so restoring the old file later broke those rows too. Now every command refuses to start
 * and says which key id(s) the database needs and where the file was expected. The same holds for a
 * key file that opens none of the database's values (the wrong file restored).
 */
/**
 * True when some `*_enc` value is sealed (with `keyId` when given). Stops at the first row found,
 * so a start does not read every sealed value: counting them all (sealedKeyIds) took seconds at
 * 100,000 phones, and is only needed for the error message.
 */
function anySealed(db: Db, keyId?: string): boolean {
  const prefix = keyId === undefined ? "v1." : `v1.${keyId}.`;
  return sealedColumns(db).some(
    ({ table, column }) => db.$client.prepare(`select 1 from "${table}" where substr("${column}", 1, length(?)) = ? limit 1`).get(prefix, prefix) !== undefined,
  );
}

export function openSecretKey(db: Db, keyFile: string): KeyRingBox {
  const describe = () => [...sealedKeyIds(db)].map(([id, n]) => `${id} (${n} value${n === 1 ? "" : "s"})`).join(", ");
  if (!existsSync(keyFile)) {
    if (anySealed(db)) {
      throw new ConfigError(
        `the secret key file ${keyFile} is missing, but the database holds secrets sealed with key id ${describe()}. ` +
          `Restore that key file (and ${retiredKeysPath(keyFile)} if you had one) from your key backup to ${keyFile}, ` +
          `or point secretKeyFile (env PHONEHOME_SECRET_KEY_FILE) at it. No new key is made while sealed values exist: they could never be opened with it.`,
      );
    }
    loadOrCreateKey(keyFile);
  }
  const box = createKeyRingBox(keyFile);
  if (!box.knownKeyIds().some((id) => anySealed(db, id)) && anySealed(db)) {
    throw new ConfigError(
      `the secret key file ${keyFile} holds key id ${box.keyId}, but the database's secrets are sealed with key id ${describe()}. ` +
        `Restore the key file with that id to ${keyFile}, or point secretKeyFile (env PHONEHOME_SECRET_KEY_FILE) at it.`,
    );
  }
  return box;
}
