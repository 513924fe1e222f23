import type { DeviceRow, Tenant } from "../db/rows.ts";
import type { Delivery } from "./deliver.ts";
import { flatString } from "./flat-string.ts";
import type { Maybe } from "./maybe.ts";
import { pack, payloadOf, unpack } from "./packed-file.ts";

/**
 * Render once, serve many: a device's (or a common) file as delivered, kept in memory until
 * something it depends on changes. What it depends on is all in the database or in the template
 * store, so validity is two numbers:
 * - `config_generation.gen`, bumped by triggers (migration `render_cache`) on every write to a
 *   table the resolver or the vendors read (RENDER_INPUT_TABLES), whichever process or
 *   connection writes: an admin request, the CLI, an import, a key rotation. Writes that only
 *   record (fetch log, last-seen columns, audit, registrations) do not bump it.
 * - the template store's generation, bumped when a template file changes on disk.
 * Every fetch reads the generation (request-reads.ts: one prepared single-row read on SQLite, one
 * query on PostgreSQL, where every node reads the same row) and an entry of another generation is
 * a miss, so a change is visible at the very next fetch, on every node: never a stale byte.
 *
 * Memory is bounded by `maxBytes` (config key `renderCacheMaxBytes`), counted as the bytes kept
 * plus a measured overhead per entry; the least recently used entries go first. The first half
 * (AS_RENDERED_SHARE) holds files as rendered: a hit is a Map lookup (1-4 µs). Past it files are
 * packed (packed-file.ts): a 6.4 KB Yealink T54W file is counted as about 580 bytes, and a hit
 * inflates it (25-50 µs, against about 2 ms for a render). So the default of 128 MiB holds 100,000
 * such phones: about 8,600 as rendered, the rest packed (bench:render-cache, docs/benchmarks.md).
 */

/** Tables whose rows reach a rendered file; each has the generation triggers. */
export const RENDER_INPUT_TABLES = [
  "tenants",
  "extensions",
  "devices",
  "device_lines",
  "device_keys",
  "feature_codes",
  "device_event_secrets",
  "disabled_extensions",
  "device_config_keys",
  "extension_settings",
  "extension_avatars",
  "extension_phone_numbers",
  "extension_allowed_devices",
  "extension_groups",
  "extension_group_members",
  "numbering_plans",
  "key_layouts",
  "key_layout_keys",
  "device_key_layouts",
  "device_group_keys",
  "firmware_images",
  "firmware_pins",
] as const;

/** Tables that only record what happened; writing them never changes a file. */
export const NOT_RENDERED_TABLES = [
  "config_generation",
  "digest_nonces",
  "job_leases",
  "fetch_log",
  "served_files",
  "audit_log",
  "discovered_devices",
  "api_tokens",
  "import_batches",
  "import_batch_devices",
  "registrations",
  "force_unregisters",
  "force_unregister_devices",
  "bootstrap_windows",
  "pbx_webhooks",
  "pbx_events",
  "pbx_deliveries",
  "portal_users",
  "extension_logins",
  "portal_sessions",
  "portal_links",
  "portal_login_failures",
  // Hot-desking state: signing in and out writes device_lines / device_keys, which are render inputs.
  "hot_desks",
  "hot_desk_profiles",
  "hot_desk_rules",
  "hot_desk_pin_failures",
  "hot_desk_defaults",
  "hot_desk_opt_outs",
  // NOTIFYs still to send: a send changes no file.
  "notify_outbox",
] as const;

/** Columns of `devices` the fetch recorder writes on every fetch: they never reach a file. */
export const DEVICE_SEEN_COLUMNS = ["last_seen_at", "last_ip", "last_user_agent", "last_firmware", "last_base_url"] as const;

/** What a hit gives back besides the bytes: what provision() reports about the file. */
export interface CachedFile {
  readonly delivery: Delivery;
  /** Extension numbers whose SIP credentials the file holds. */
  readonly credentials: readonly string[];
  /** The file holds the device's provisioning password (zero-touch: it closes the window). */
  readonly carriesProvisioningPassword: boolean;
  /** The secret values the file may hold (its last served copy is masked with them for roles that may not read secrets). */
  readonly secretValues?: readonly string[];
}

/** Device rows kept per generation (RenderCache.device): about 0.7 KB each, so at most ~18 MB. */
const MAX_DEVICE_ROWS = 25_000;

/**
 * Rows by id, valid for one generation: the map is cleared when the generation moves, and when it
 * holds `max` rows. A row loaded asynchronously is kept only if the generation did not move meanwhile.
 */
class RowsOfGeneration<T> {
  private gen = "";
  private readonly rows = new Map<number, T>();

  constructor(private readonly max: number) {}

  get(id: number, gen: string, load: (id: number) => Maybe<T>): Maybe<T> {
    if (gen !== this.gen) {
      this.rows.clear();
      this.gen = gen;
    }
    if (this.rows.has(id)) return this.rows.get(id)!;
    const row = load(id);
    if (row instanceof Promise) return row.then((r) => this.keep(id, gen, r));
    return this.keep(id, gen, row);
  }

  private keep(id: number, gen: string, row: T): T {
    if (row === undefined || gen !== this.gen) return row;
    if (this.rows.size >= this.max) this.rows.clear();
    this.rows.set(id, row);
    return row;
  }
}

/**
 * What an entry costs besides its bytes, measured (bench/memory.ts: heap after a forced GC, 10,000
 * T54W files): a file kept as rendered holds its Map slot and key, the CachedFile, the Delivery,
 * the body's Buffer objects and backing store, the hash and ETag strings and the credential and
 * secret-value arrays; a packed one its Map slot and key, one small object and one string.
 */
const FILE_OVERHEAD_BYTES = 1_300;
const PACKED_OVERHEAD_BYTES = 200;
/** The share of the bound kept as rendered (a hit is a lookup); files past it are packed (packed-file.ts). */
const AS_RENDERED_SHARE = 0.5;
/** Preset dictionaries kept (one per vendor, file kind and tenant); past it files are packed without one. */
const MAX_DICTIONARIES = 256;

/**
 * One kept file: as rendered (`file`), or packed (`text`, with the dictionary it was packed
 * against). The key is kept flat: a key built by concatenation is a tree of string pieces, about
 * 350 bytes where the flat string is about 100 (measured, 100,000 keys), and a hit re-inserts the
 * entry under this key, not under the request's (flat-string.ts).
 */
class Entry {
  constructor(
    readonly key: string,
    readonly file: CachedFile | null,
    readonly text: string | null,
    /** Bytes of the payload `text` unpacks to. */
    readonly size: number,
    readonly dictionary: Dictionary | null,
  ) {}

  get bytes(): number {
    if (this.file) return this.file.delivery.body.length + (this.file.delivery.plain?.length ?? 0) + this.key.length + FILE_OVERHEAD_BYTES;
    return this.text!.length + this.key.length + PACKED_OVERHEAD_BYTES;
  }
}

/** A preset dictionary of one group of files, counted in the bound while an entry packed against it is kept. */
class Dictionary {
  users = 0;
  constructor(
    readonly group: string,
    readonly bytes: Buffer,
  ) {}
}

export class RenderCache {
  /** Least recently used first. Every entry belongs to generation `gen`: a newer one empties the map. */
  private readonly entries = new Map<string, Entry>();
  private gen = "";
  private bytes = 0;
  /** Bytes of the entries kept as rendered (at most AS_RENDERED_SHARE of maxBytes). */
  private renderedBytes = 0;
  private readonly asRenderedMax: number;
  private readonly dictionaries = new Map<string, Dictionary>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly maxBytes: number,
    /** The share of `maxBytes` kept as rendered (tests and bench:render-cache set it; the server keeps the default). */
    asRenderedShare = AS_RENDERED_SHARE,
  ) {
    this.asRenderedMax = Math.floor(maxBytes * asRenderedShare);
  }

  private readonly tenants = new RowsOfGeneration<Tenant | null>(10_000);

  /**
   * The tenant row of generation `gen`, read with `load` once per generation: every fetch of a
   * device needs its tenant, and a tenant row (JSON columns) costs as much to read as the device's.
   */
  tenant(id: number, gen: string, load: (id: number) => Maybe<Tenant | null>): Maybe<Tenant | null> {
    return this.tenants.get(id, gen, load);
  }

  private readonly devices = new RowsOfGeneration<DeviceRow | undefined>(MAX_DEVICE_ROWS);

  /**
   * The device row of id `id` in generation `gen`, read with `load` once per generation. The
   * caller finds the id first with the MAC index for known and unknown MACs alike (one indexed
   * read, no row decoded), so a known MAC answered from here costs what an unknown one costs, and
   * less than decoding the row did. Every write to `devices` that can change a file moves the
   * generation; the last-seen columns (DEVICE_SEEN_COLUMNS) do not, so in a kept row they are as
   * of when it was read: nothing on the fetch path reads them.
   */
  device(id: number, gen: string, load: (id: number) => Maybe<DeviceRow | undefined>): Maybe<DeviceRow | undefined> {
    return this.devices.get(id, gen, load);
  }

  get(key: string, gen: string): CachedFile | null {
    if (gen !== this.gen) this.newGeneration(gen);
    const e = this.entries.get(key);
    if (!e) {
      this.misses++;
      return null;
    }
    this.hits++;
    // Most recently used last: delete and re-insert keeps Map order as the LRU order.
    this.entries.delete(key);
    if (e.file) {
      this.entries.set(e.key, e);
      return e.file;
    }
    const file = unpack(e.text!, e.size, e.dictionary?.bytes ?? null);
    const rendered = new Entry(e.key, file, null, 0, null);
    if (this.renderedBytes + rendered.bytes <= this.asRenderedMax) {
      // Room as rendered again (entries went since): kept so, its next hit is a lookup.
      this.forget(e);
      this.bytes += rendered.bytes;
      this.renderedBytes += rendered.bytes;
      this.entries.set(e.key, rendered);
      this.evict();
    } else this.entries.set(e.key, e);
    return file;
  }

  /**
   * Keeps `file` for `key` in generation `gen`. `group` names the files that look alike (vendor,
   * file kind, tenant): the first one packed in a group is the dictionary the others are packed
   * against.
   */
  set(key: string, gen: string, file: CachedFile, group = ""): void {
    if (gen !== this.gen) this.newGeneration(gen);
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.forget(old);
    }
    let entry = new Entry(flatString(key), file, null, 0, null);
    if (entry.bytes > this.maxBytes) return;
    if (this.renderedBytes + entry.bytes <= this.asRenderedMax) this.renderedBytes += entry.bytes;
    else {
      const payload = payloadOf(file);
      const dictionary = this.dictionaryFor(group, payload);
      entry = new Entry(entry.key, null, pack(payload, dictionary?.bytes ?? null), payload.length, dictionary);
      if (dictionary) dictionary.users++;
    }
    this.bytes += entry.bytes;
    this.entries.set(entry.key, entry);
    this.evict();
  }

  private forget(e: Entry): void {
    this.bytes -= e.bytes;
    if (e.file) this.renderedBytes -= e.bytes;
    const d = e.dictionary;
    if (d && --d.users === 0) {
      this.dictionaries.delete(d.group);
      this.bytes -= d.bytes.length;
    }
  }

  /** Least recently used first, until the bound holds. */
  private evict(): void {
    for (const e of this.entries.values()) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(e.key);
      this.forget(e);
    }
  }

  /**
   * Generations only move forward (a file is kept only when the generation did not move while it
   * rendered), so once a request reads a newer one no entry can be hit again: all go at once, with
   * their dictionaries (the next files packed make new ones, from the new configuration).
   */
  private newGeneration(gen: string): void {
    this.gen = gen;
    this.entries.clear();
    this.dictionaries.clear();
    this.bytes = 0;
    this.renderedBytes = 0;
  }

  private dictionaryFor(group: string, payload: Buffer): Dictionary | null {
    const kept = this.dictionaries.get(group);
    if (kept) return kept;
    if (this.dictionaries.size >= MAX_DICTIONARIES) return null;
    // Its own buffer (not a slice of Node's pool); zlib's window is 32 KB.
    const bytes = Buffer.alloc(Math.min(payload.length, 32_768));
    payload.copy(bytes, 0, 0, bytes.length);
    const dictionary = new Dictionary(group, bytes);
    this.dictionaries.set(group, dictionary);
    this.bytes += bytes.length;
    return dictionary;
  }

  get size(): { readonly entries: number; readonly bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }
}
