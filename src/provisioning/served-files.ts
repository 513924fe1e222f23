import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { preparedPerDb } from "../db/prepared.ts";
import { servedFiles } from "../db/schema.ts";
import type { PhoneConfig } from "../domain/phone-config.ts";

/**
 * Keeps the last served body of each device file (table `served_files`), so the portal can show a
 * line diff of what the phone last fetched against what it would get now. The fetch path only
 * hands over the rendered bytes it already has; this holds the latest one per device file in
 * memory (bounded by the number of device files, not by requests) until the fetch recorder's next
 * batch writes it. A body is sealed (src/secrets.ts) only when its hash differs from the stored
 * one, so a boot storm of unchanged files costs one indexed read per file and no encryption.
 */
export interface ServedBody {
  readonly deviceId: number;
  readonly fileName: string;
  readonly contentHash: string;
  /** A Buffer on the thread that served it; a plain Uint8Array once posted to the fetch-log thread. */
  readonly plain: Uint8Array;
  readonly secrets: readonly string[];
  readonly at: number;
}

/**
 * The secret values of a configuration, wherever a vendor writes them: SIP passwords, the
 * provisioning and phone-admin passwords, the config-file password, the registration-event URL
 * (it carries the device's event secret). Masking works on values, so it needs no vendor's
 * parameter names.
 */
export function secretValuesOf(config: PhoneConfig): string[] {
  const out = [config.device.adminPassword, config.provisioning.password, ...config.lines.map((l) => l.password)];
  if (config.provisioning.configFilePassword) out.push(config.provisioning.configFilePassword);
  if (config.events) out.push(config.events.url);
  return out.filter((s) => s.length > 0);
}

export const MASK = "••••••••";
const XML: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

/** `text` with every secret value, as written or XML- or URL-escaped, replaced by MASK. */
export function maskSecretValues(text: string, secrets: readonly string[]): string {
  const forms = new Set<string>();
  for (const s of secrets) {
    forms.add(s);
    forms.add(s.replace(/[&<>"']/g, (c) => XML[c]!));
    forms.add(s.replace(/[&<>"']/g, (c) => (c === "'" ? "&#39;" : XML[c]!)));
    forms.add(encodeURIComponent(s));
  }
  let out = text;
  for (const f of [...forms].filter((x) => x.length >= 4).sort((a, b) => b.length - a.length)) out = out.split(f).join(MASK);
  return out;
}

/** What `body_enc` holds once opened: the body and the secret values it was served with. */
export interface ServedCopy {
  readonly body: string;
  readonly secrets: readonly string[];
}

/**
 * The latest served body of each device file since the last batch (one per file, however many
 * fetches), handed to the fetch-log writer with the recorder's batch.
 */
export class ServedFileKeeper {
  private pending = new Map<string, ServedBody>();

  add(b: ServedBody): void {
    this.pending.set(keyOf(b), b);
  }

  get size(): number {
    return this.pending.size;
  }

  /** The pending bodies, now the caller's. */
  take(): ServedBody[] {
    const out = [...this.pending.values()];
    this.pending = new Map();
    return out;
  }

  /** Bodies whose batch met the write lock: kept for the next one unless a newer fetch replaced them. */
  giveBack(bodies: readonly ServedBody[]): void {
    for (const b of bodies) if (!this.pending.has(keyOf(b))) this.pending.set(keyOf(b), b);
  }
}

const keyOf = (b: ServedBody): string => `${b.deviceId}\u0000${b.fileName}`;

const statements = preparedPerDb((db) => {
  const c = db.$client;
  return {
    current: c.prepare("select content_hash as h from served_files where device_id = ? and file_name = ?").pluck(),
    // A device deleted since its fetch has no row to keep (and must not fail the batch).
    upsert: c.prepare(
      `insert into served_files (device_id, file_name, content_hash, body_enc, served_at)
       select @deviceId, @fileName, @contentHash, @bodyEnc, @at where exists (select 1 from devices where id = @deviceId)
       on conflict (device_id, file_name) do update set content_hash = excluded.content_hash, body_enc = excluded.body_enc, served_at = excluded.served_at`,
    ),
    touch: c.prepare("update served_files set served_at = ? where device_id = ? and file_name = ?"),
  };
});

/** Writes served bodies inside the caller's transaction (the fetch-log writer's batch). */
export function writeServedBodies(db: Db, bodies: readonly ServedBody[], seal: (plain: string) => string): void {
  if (!bodies.length) return;
  const s = statements(db);
  for (const b of bodies) {
    if (s.current.get(b.deviceId, b.fileName) === b.contentHash) s.touch.run(b.at, b.deviceId, b.fileName);
    else {
      const copy: ServedCopy = { body: Buffer.from(b.plain).toString("utf8"), secrets: b.secrets };
      s.upsert.run({ deviceId: b.deviceId, fileName: b.fileName, contentHash: b.contentHash, bodyEnc: seal(JSON.stringify(copy)), at: b.at });
    }
  }
}

/** The last served copy of a device file, or null when none is kept. */
export function lastServed(db: Db, deviceId: number, fileName: string) {
  return db.select().from(servedFiles).where(and(eq(servedFiles.deviceId, deviceId), eq(servedFiles.fileName, fileName))).get() ?? null;
}
