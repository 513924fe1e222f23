import { rootDb, type Db } from "../db/client.ts";
import { extensions } from "../db/schema.ts";
import type { SecretBox } from "../secrets.ts";
import { credentialsByIds } from "./credentials-sync.ts";
import { attachTo, isAttached, KAMAILIO_SCHEMA, putSubscribers } from "./kamailio-db.ts";

// The synchronous forms of kamailio-db.ts: the attach and subscriber sync at start-up
// (createRuntime is synchronous) and the subscriber rows for tests and `pbx kamailio-sync --check`.

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

/** syncSubscribersIn (kamailio-db.ts) of these extensions in a synchronous transaction; a no-op without an attached Kamailio database. */
function syncSubscribers(tx: Db, secrets: SecretBox, extensionIds: readonly number[]): void {
  const client = rootDb(tx).$client;
  if (!isAttached(client)) return;
  putSubscribers(client, extensionIds, credentialsByIds(tx, secrets, extensionIds));
}

/** Every subscriber row, for tests and `pbx kamailio-sync --check`. */
export function subscriberRows(db: Db): { id: number; username: string; domain: string; password: string; ha1: string; ha1b: string; sip_user: string }[] {
  return rootDb(db).$client.prepare(`SELECT * FROM ${KAMAILIO_SCHEMA}.subscriber ORDER BY id`).all() as never;
}
