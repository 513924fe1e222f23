import type { Database, Statement } from "better-sqlite3";
import type { DeviceRow, Tenant } from "../db/rows.ts";
import type { Delivery } from "./deliver.ts";

/**
 * Render once, serve many: a device's (or a common) file as delivered, kept in memory until
 * something it depends on changes. What it depends on is all in the database or in the template
 * store, so validity is two numbers:
 * - `config_generation.gen`, bumped by triggers (migration `render_cache`) on every write to a
 *   table the resolver or the vendors read (RENDER_INPUT_TABLES), whichever process or
 *   connection writes: an admin request, the CLI, an import, a key rotation. Writes that only
 *   record (fetch log, last-seen columns, audit, registrations) do not bump it.
 * - the template store's generation, bumped when a template file changes on disk.
 * Every lookup reads the generation (one prepared single-row read) and an entry of another
 * generation is a miss, so a change is visible at the very next fetch: never a stale byte.
 *
 * Memory is bounded by `maxBytes` (config key `renderCacheMaxBytes`), counted as body bytes plus
 * a fixed overhead per entry; the least recently used entries go first. A 6.3 KB Yealink file
 * costs about 7 KB, so 100,000 phones need about 700 MB to be held at once: the default of
 * 128 MiB keeps the ~18,000 most recently fetched and re-renders the rest on their next fetch.
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

interface Entry {
  readonly gen: string;
  readonly file: CachedFile;
  readonly bytes: number;
}

/** Device rows kept per generation (RenderCache.device): about 0.7 KB each, so at most ~18 MB. */
const MAX_DEVICE_ROWS = 25_000;

/** Rows by id, valid for one generation: the map is cleared when the generation moves, and when it holds `max` rows. */
class RowsOfGeneration<T> {
  private gen = "";
  private readonly rows = new Map<number, T>();

  constructor(private readonly max: number) {}

  get(id: number, gen: string, load: (id: number) => T): T {
    if (gen !== this.gen) {
      this.rows.clear();
      this.gen = gen;
    }
    if (this.rows.has(id)) return this.rows.get(id)!;
    const row = load(id);
    if (row === undefined) return row;
    if (this.rows.size >= this.max) this.rows.clear();
    this.rows.set(id, row);
    return row;
  }
}

// Map entry, key string, Delivery and CachedFile objects: measured at about 600 bytes.
const ENTRY_OVERHEAD_BYTES = 600;

export class RenderCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private readonly readGen: () => number;
  hits = 0;
  misses = 0;

  constructor(
    db: Database,
    private readonly maxBytes: number,
    private readonly templateGeneration: () => number,
  ) {
    const stmt = db.prepare("SELECT gen FROM config_generation WHERE id = 1").pluck();
    this.readGen = () => (stmt.get() as number | undefined) ?? 0;
    this.readGenAndDevice = db.prepare<[string], [number | null, number | null]>("SELECT (SELECT gen FROM config_generation WHERE id = 1), (SELECT id FROM devices WHERE mac = ?)").raw();
  }

  private readonly readGenAndDevice: Statement<[string], [number | null, number | null]>;

  /** The generation files rendered now belong to; read once per request, before the lookup. */
  generation(): string {
    return `${this.readGen()}.${this.templateGeneration()}`;
  }

  /**
   * generation() and the id of the device with this MAC (null when none has it) in one statement:
   * a device file's request needs both, and each statement costs the read lock of the WAL.
   */
  generationAndDevice(mac: string): { readonly gen: string; readonly deviceId: number | null } {
    const [gen, deviceId] = this.readGenAndDevice.get(mac) ?? [null, null];
    return { gen: `${gen ?? 0}.${this.templateGeneration()}`, deviceId };
  }

  private readonly tenants = new RowsOfGeneration<Tenant | null>(10_000);

  /**
   * The tenant row of generation `gen`, read with `load` once per generation: every fetch of a
   * device needs its tenant, and a tenant row (JSON columns) costs as much to read as the device's.
   */
  tenant(id: number, gen: string, load: (id: number) => Tenant | null): Tenant | null {
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
  device(id: number, gen: string, load: (id: number) => DeviceRow | undefined): DeviceRow | null {
    return this.devices.get(id, gen, load) ?? null;
  }

  get(key: string, gen: string): CachedFile | null {
    const e = this.entries.get(key);
    if (!e || e.gen !== gen) {
      this.misses++;
      return null;
    }
    this.hits++;
    // Most recently used last: delete and re-insert keeps Map order as the LRU order.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.file;
  }

  set(key: string, gen: string, file: CachedFile): void {
    const bytes = file.delivery.body.length + (file.delivery.plain?.length ?? 0) + key.length + ENTRY_OVERHEAD_BYTES;
    if (bytes > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.bytes;
      this.entries.delete(key);
    }
    this.entries.set(key, { gen, file, bytes });
    this.bytes += bytes;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= e.bytes;
    }
  }

  get size(): { readonly entries: number; readonly bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }
}
