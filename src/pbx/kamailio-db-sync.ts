import { rootDb, type Db } from "../db/client.ts";
import { extensions } from "../db/schema.ts";
import type { SecretBox } from "../secrets.ts";
import { credentialsByIds } from "./credentials-sync.ts";
import { attachTo, isAttached, KAMAILIO_SCHEMA, putSubscribers, queueOn } from "./kamailio-db.ts";

// The synchronous forms of kamailio-db.ts: the subscriber sync at start-up (createRuntime is
// synchronous) and the rows written by unconverted transactions (force-unregister, the CSV import)
// until they move to the asynchronous handle.

/**
 * Attaches (creating when missing) the Kamailio database file and brings its subscriber table in
 * line with every extension. Call once after opening the database, outside any transaction.
 */
export function attachKamailioDb(db: Db, secrets: SecretBox, file: string, options: { sync?: boolean } = {}): void {
  const client = rootDb(db).$client;
  attachTo(client, file);
  // A second connection of the same process (the CSV import's worker) finds the rows already in line.
  if (options.sync === false) return;
  const ids = db.select({ id: extensions.id }).from(extensions).all().map((r) => r.id);
  client.transaction(() => syncSubscribers(db, secrets, ids))();
}

/**
 * Writes the subscriber rows of these extensions as they are now in the caller's transaction:
 * an enabled extension gets its row (username = auth user, domain = SIP domain = realm), a
 * disabled or deleted one loses it. Rows of extensions that no longer exist go too (a deleted
 * tenant). A no-op without an attached Kamailio database.
 */
export function syncSubscribers(tx: Db, secrets: SecretBox, extensionIds: readonly number[]): void {
  const client = rootDb(tx).$client;
  if (!isAttached(client)) return;
  putSubscribers(client, extensionIds, credentialsByIds(tx, secrets, extensionIds));
}

/**
 * Asks Kamailio to drop every binding of this address of record (`sip:user@domain`) within about a
 * second, in the caller's transaction: a phone that still holds the old credentials stays
 * registered until its binding expires otherwise, and calls would still reach it. A no-op without
 * an attached Kamailio database.
 */
export function queueUnregister(tx: Db, aor: string, now: number): void {
  const client = rootDb(tx).$client;
  if (isAttached(client)) queueOn(client, aor, now);
}

/** Every subscriber row, for tests and `pbx kamailio-sync --check`. */
export function subscriberRows(db: Db): { id: number; username: string; domain: string; password: string; ha1: string; ha1b: string; sip_user: string }[] {
  return rootDb(db).$client.prepare(`SELECT * FROM ${KAMAILIO_SCHEMA}.subscriber ORDER BY id`).all() as never;
}
