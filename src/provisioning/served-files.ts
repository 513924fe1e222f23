import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { preparedPerDb } from "../db/prepared.ts";
import { servedFiles } from "../db/schema.ts";
import type { PhoneConfig } from "../domain/phone-config.ts";
import { flatString } from "./flat-string.ts";

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
  /**
   * A Buffer on the thread that served it; a plain Uint8Array once posted to the fetch-log thread.
   * Null when this content was already handed over for this device file: only served_at moves.
   */
  readonly plain: Uint8Array | null;
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

/** A device file whose stored copy is not the content a touch named: its next fetch sends the body again. */
export interface WantedBody {
  readonly deviceId: number;
  readonly fileName: string;
}

/** Device files whose last handed-over hash is remembered; past it the memory starts again (bodies are sent again, nothing is lost). */
const MAX_REMEMBERED = 250_000;

/**
 * The latest served body of each device file since the last batch (one per file, however many
 * fetches), handed to the fetch-log writer with the recorder's batch. A body whose content was
 * already handed over for that file goes as a touch (no bytes): a boot storm of unchanged files
 * posts a few numbers per file, not 6 KB. Should the stored copy turn out to be another content
 * (a batch lost with its process), the writer names the file back (`forget`) and the next fetch
 * carries the body.
 */
export class ServedFileKeeper {
  private pending = new Map<string, { -readonly [K in keyof ServedBody]: ServedBody[K] }>();
  private readonly handedOver = new Map<string, string>();

  /** The body served for a device file at `at` (every fetch of a storm: no object but the first per file and batch). */
  add(deviceId: number, fileName: string, contentHash: string, plain: Uint8Array, secrets: readonly string[], at: number): void {
    const key = fileKey(deviceId, fileName);
    const prev = this.pending.get(key);
    if (prev && prev.contentHash === contentHash) prev.at = at;
    else if (this.handedOver.get(key) === contentHash) this.pending.set(key, { deviceId, fileName, contentHash, plain: null, secrets: NO_SECRETS, at });
    else this.pending.set(key, { deviceId, fileName, contentHash, plain, secrets, at });
  }

  get size(): number {
    return this.pending.size;
  }

  /** The pending bodies, now the caller's. */
  take(): ServedBody[] {
    const out = [...this.pending.values()];
    this.pending = new Map();
    if (this.handedOver.size + out.length > MAX_REMEMBERED) this.handedOver.clear();
    // Kept as long as the file is remembered: a flat key costs a third of a concatenated one (flat-string.ts).
    for (const b of out) this.handedOver.set(flatString(keyOf(b)), b.contentHash);
    return out;
  }

  /** Bodies whose batch met the write lock: kept for the next one unless a newer fetch replaced them. */
  giveBack(bodies: readonly ServedBody[]): void {
    for (const b of bodies) if (!this.pending.has(keyOf(b))) this.pending.set(keyOf(b), b);
  }

  /** Files the writer found without this content: their next served body is sent whole. */
  forget(files: readonly WantedBody[]): void {
    for (const f of files) this.handedOver.delete(keyOf(f));
  }
}

/** The key of a device file in the keeper's maps, the one format for both. */
const fileKey = (deviceId: number, fileName: string): string => `${deviceId}\u0000${fileName}`;
const keyOf = (b: WantedBody): string => fileKey(b.deviceId, b.fileName);
const NO_SECRETS: readonly string[] = Object.freeze([]);

const statements = preparedPerDb((db) => {
  const c = db.$client;
  return {
    // A device deleted since its fetch has no row to keep (and must not fail the batch).
    upsert: c.prepare(
      `insert into served_files (device_id, file_name, content_hash, body_enc, served_at)
       select @deviceId, @fileName, @contentHash, @bodyEnc, @at where exists (select 1 from devices where id = @deviceId)
       on conflict (device_id, file_name) do update set content_hash = excluded.content_hash, body_enc = excluded.body_enc, served_at = excluded.served_at`,
    ),
    // One statement for the usual case (the same content again): no change when the stored copy is another.
    touch: c.prepare("update served_files set served_at = ? where device_id = ? and file_name = ? and content_hash = ?"),
  };
});

/**
 * Writes served bodies inside the caller's transaction (the fetch-log writer's batch). Returns the
 * touches whose file holds another content: the keeper sends their next body whole.
 */
export function writeServedBodies(db: Db, bodies: readonly ServedBody[], seal: (plain: string) => string): WantedBody[] {
  const wanted: WantedBody[] = [];
  if (!bodies.length) return wanted;
  const s = statements(db);
  for (const b of bodies) {
    if (s.touch.run(b.at, b.deviceId, b.fileName, b.contentHash).changes === 1) continue;
    if (b.plain === null) wanted.push({ deviceId: b.deviceId, fileName: b.fileName });
    else {
      const copy: ServedCopy = { body: Buffer.from(b.plain).toString("utf8"), secrets: b.secrets };
      s.upsert.run({ deviceId: b.deviceId, fileName: b.fileName, contentHash: b.contentHash, bodyEnc: seal(JSON.stringify(copy)), at: b.at });
    }
  }
  return wanted;
}

/** The last served copy of a device file, or null when none is kept. */
export function lastServed(db: Db, deviceId: number, fileName: string) {
  return db.select().from(servedFiles).where(and(eq(servedFiles.deviceId, deviceId), eq(servedFiles.fileName, fileName))).get() ?? null;
}
