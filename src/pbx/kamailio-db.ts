import type Database from "better-sqlite3";
import { rootDb, type Db } from "../db/client.ts";
import type { Data, Query } from "../db/data.ts";
import { sqliteWriterOf } from "../db/data-sqlite.ts";
import type { SecretBox } from "../secrets.ts";
import { credentialsByIdsIn, type SipCredential } from "./credentials.ts";

/**
 * phonehome keeps Kamailio's `subscriber` table (auth_db) current in a Kamailio SQLite database
 * file that it owns (docs/pbx.md, "Kamailio"). The file is ATTACHed to phonehome's own connection
 * as `kamailio`, so a credential change and its subscriber row are written in the same
 * transaction: Kamailio reads the file on every authentication (auth_db has no cache), so the
 * new password works, and the old one fails, as soon as the change commits.
 *
 * Columns and version of `subscriber` are Kamailio 5.6's (auth_db-create.sql in the Debian package
 * kamailio-sqlite-modules: id, username, domain, password, ha1, ha1b; table version 7). `password`
 * stays empty (auth_db calculate_ha1 = 0 reads `ha1`/`ha1b`), so no plaintext leaves phonehome.
 * One column is added, `sip_user`, the address-of-record user the credentials may register
 * (loaded with auth_db `load_credentials`); `id` is the extension's id.
 */
export const KAMAILIO_SCHEMA = "kamailio";
const SUBSCRIBER_VERSION = 7;

const attached = new WeakSet<Database.Database>();

/** Whether the Kamailio file is attached to this connection. */
export const isAttached = (client: Database.Database): boolean => attached.has(client);

const DDL = [
  `CREATE TABLE IF NOT EXISTS kamailio.version (id INTEGER PRIMARY KEY NOT NULL, table_name VARCHAR(32) NOT NULL, table_version INTEGER DEFAULT 0 NOT NULL, CONSTRAINT version_table_name_idx UNIQUE (table_name))`,
  `CREATE TABLE IF NOT EXISTS kamailio.subscriber (id INTEGER PRIMARY KEY NOT NULL, username VARCHAR(64) DEFAULT '' NOT NULL, domain VARCHAR(64) DEFAULT '' NOT NULL, password VARCHAR(64) DEFAULT '' NOT NULL, ha1 VARCHAR(128) DEFAULT '' NOT NULL, ha1b VARCHAR(128) DEFAULT '' NOT NULL, sip_user VARCHAR(64) DEFAULT '' NOT NULL, CONSTRAINT subscriber_account_idx UNIQUE (username, domain))`,
  `CREATE INDEX IF NOT EXISTS kamailio.subscriber_username_idx ON subscriber (username)`,
  // Address-of-record bindings phonehome wants Kamailio to drop (a force-unregister, a disabled or
  // deleted extension): the generated kamailio.cfg reads it every second (rtimer + sqlops), calls
  // registrar's unregister() and deletes the row. Written in the change's own transaction.
  `CREATE TABLE IF NOT EXISTS kamailio.phonehome_unregister (aor VARCHAR(255) PRIMARY KEY NOT NULL, queued_at INTEGER NOT NULL)`,
  `INSERT OR IGNORE INTO kamailio.version (table_name, table_version) VALUES ('version', 1)`,
  `INSERT OR REPLACE INTO kamailio.version (table_name, table_version) VALUES ('subscriber', ${SUBSCRIBER_VERSION})`,
];

/** Attaches the file to one connection, once (creating its tables when missing). */
export function attachTo(client: Database.Database, file: string): void {
  if (attached.has(client)) return;
  client.prepare(`ATTACH DATABASE ? AS ${KAMAILIO_SCHEMA}`).run(file);
  // WAL: Kamailio's readers never wait for phonehome's writer, nor it for them.
  client.pragma(`${KAMAILIO_SCHEMA}.journal_mode = WAL`);
  client.pragma(`${KAMAILIO_SCHEMA}.synchronous = FULL`);
  for (const sql of DDL) client.exec(sql);
  attached.add(client);
}

/**
 * Attaches the same file to the writer connection of the asynchronous handle, so that converted
 * services write the subscriber rows in their own `data.write` (after attachKamailioDb in
 * kamailio-db-sync.ts, which has brought the rows in line). SQLite only: the Kamailio file is a
 * SQLite database ATTACHed to phonehome's connection, which a PostgreSQL handle does not have
 * (docs/scale-out.md#status).
 */
export function attachKamailioToData(data: Data, file: string): void {
  const client = sqliteWriterOf(data);
  if (client) attachTo(client, file);
}

/** The connection of a query handle when the Kamailio file is attached to it (SQLite only). */
function attachedClientOf(q: Query): Database.Database | undefined {
  if (q.dialect !== "sqlite") return undefined;
  const client = rootDb(q.db as unknown as Db).$client;
  return attached.has(client) ? client : undefined;
}

/**
 * Writes the subscriber rows of these extensions as they are now in the caller's `data.write`:
 * an enabled extension gets its row (username = auth user, domain = SIP domain = realm), a
 * disabled or deleted one loses it. Rows of extensions that no longer exist go too (a deleted
 * tenant). A no-op without an attached Kamailio database, so on PostgreSQL.
 */
export async function syncSubscribersIn(q: Query, secrets: SecretBox, extensionIds: readonly number[]): Promise<void> {
  const client = attachedClientOf(q);
  if (!client) return;
  putSubscribers(client, extensionIds, await credentialsByIdsIn(q, secrets, extensionIds));
}

/** The subscriber statements themselves, on the connection whose transaction is open. */
export function putSubscribers(client: Database.Database, extensionIds: readonly number[], credentials: readonly { id: number; credential: SipCredential }[]): void {
  const del = client.prepare(`DELETE FROM ${KAMAILIO_SCHEMA}.subscriber WHERE id = ?`);
  const put = client.prepare(
    `INSERT INTO ${KAMAILIO_SCHEMA}.subscriber (id, username, domain, password, ha1, ha1b, sip_user) VALUES (?, ?, ?, '', ?, ?, ?)`,
  );
  for (const id of extensionIds) del.run(id);
  client.prepare(`DELETE FROM ${KAMAILIO_SCHEMA}.subscriber WHERE id NOT IN (SELECT id FROM main.extensions)`).run();
  for (const { id, credential: c } of credentials) {
    if (!c.enabled) continue;
    // Two tenants sharing a SIP domain with the same auth user would collide on (username, domain):
    // the first keeps the row, as a registrar could not tell them apart either.
    const clash = client.prepare(`SELECT id FROM ${KAMAILIO_SCHEMA}.subscriber WHERE username = ? AND domain = ?`).get(c.authUser, c.domain);
    if (!clash) put.run(id, c.authUser, c.domain, c.ha1, c.ha1b, c.sipUser);
  }
}

/**
 * Asks Kamailio to drop every binding of this address of record (`sip:user@domain`) within about a
 * second, in the caller's `data.write`: a phone that still holds the old credentials stays
 * registered until its binding expires otherwise, and calls would still reach it. A no-op without
 * an attached Kamailio database, so on PostgreSQL.
 */
export function queueUnregisterIn(q: Query, aor: string, now: number): void {
  const client = attachedClientOf(q);
  client?.prepare(`INSERT OR REPLACE INTO ${KAMAILIO_SCHEMA}.phonehome_unregister (aor, queued_at) VALUES (?, ?)`).run(aor, now);
}
