import { eq, sql } from "drizzle-orm";
import { writeTransaction, type Db } from "../db/client.ts";
import { devices, discoveredDevices } from "../db/schema.ts";
import { AnonymousKeys, isAuthenticatedFetch, OVERFLOW_SOURCE } from "./anonymous-fetches.ts";

export type FetchOutcome = "served" | "not_modified" | "unauthorized" | "not_found" | "rate_limited" | "error";

export interface FetchRecord {
  readonly at: number;
  readonly transport: string;
  readonly sourceIp: string;
  readonly fileName: string;
  readonly mac: string | null;
  readonly deviceId: number | null;
  readonly tenantId: number | null;
  readonly userAgent: string | null;
  readonly outcome: FetchOutcome;
  readonly status: number;
  readonly authMethod: string | null;
  readonly configHash: string | null;
  readonly bytes: number | null;
  readonly authUser?: string | null;
  readonly certSubject?: string | null;
  readonly certSerial?: string | null;
  readonly certFailure?: string | null;
  readonly networkRule?: string | null;
  readonly credentials?: string | null;
  readonly encrypted?: boolean | null;
  /** Set on a successful device fetch: refresh the device's last-seen columns. */
  readonly seen?: { readonly firmware: string | null };
}

/** fetch_log columns written for each fetch, by FetchRecord field name. */
const FETCH_COLUMNS = [
  "at", "transport", "sourceIp", "fileName", "mac", "deviceId", "tenantId", "userAgent", "outcome", "status", "authMethod",
  "configHash", "bytes", "authUser", "certSubject", "certSerial", "certFailure", "networkRule", "credentials", "encrypted",
] as const;

const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function prepareStatements(db: Db) {
  const c = db.$client;
  return {
    insertFetch: c.prepare(
      `insert into fetch_log (${FETCH_COLUMNS.map(snake).join(", ")}) values (${FETCH_COLUMNS.map((k) => `@${k}`).join(", ")})`,
    ),
    // An unauthenticated fetch is counted into its minute's row (anonymous-fetches.ts).
    countAnonymous: c.prepare(
      `insert into fetch_log (${FETCH_COLUMNS.map(snake).join(", ")}, anon_key, count, last_at)
       values (${FETCH_COLUMNS.map((k) => `@${k}`).join(", ")}, @anonKey, 1, @at)
       on conflict (anon_key) do update set count = count + 1, last_at = excluded.last_at,
         file_name = excluded.file_name, user_agent = coalesce(excluded.user_agent, fetch_log.user_agent)`,
    ),
    touchDevice: c.prepare(
      "update devices set last_seen_at = ?, last_ip = ?, last_user_agent = coalesce(?, last_user_agent), last_firmware = coalesce(?, last_firmware) where id = ?",
    ),
  };
}

export interface Discovery {
  readonly mac: string;
  readonly vendor: string | null;
  readonly model: string | null;
  readonly firmware: string | null;
  readonly userAgent: string | null;
  readonly fileName: string;
  readonly sourceIp: string;
  readonly transport: string;
  readonly at: number;
}

/**
 * Buffers fetch-log rows, device last-seen updates and discovery-inbox entries, and writes them in
 * one transaction every `flushMs` (or at 500 entries). A boot storm then costs one fsync per batch
 * instead of one per request; a crash loses at most one batch of log rows, never configuration.
 */
export class FetchRecorder {
  private fetches: FetchRecord[] = [];
  private discoveries: Discovery[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly anonymous: AnonymousKeys;

  /** `anonymousRowsPerMinute`: distinct rows unauthenticated traffic may add per minute (config). */
  constructor(
    private readonly db: Db,
    private readonly flushMs: number,
    private readonly discoveryMax: number,
    private readonly onError: (error: unknown) => void,
    anonymousRowsPerMinute = 1000,
  ) {
    this.anonymous = new AnonymousKeys(anonymousRowsPerMinute);
  }

  record(entry: FetchRecord): void {
    this.fetches.push(entry);
    this.schedule();
  }

  discover(entry: Discovery): void {
    this.discoveries.push(entry);
    this.schedule();
  }

  private schedule(): void {
    if (this.fetches.length + this.discoveries.length >= 500) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const fetches = this.fetches;
    const discoveries = this.discoveries;
    this.fetches = [];
    this.discoveries = [];
    if (!fetches.length && !discoveries.length) return;
    try {
      writeTransaction(this.db, (tx) => {
        for (const f of fetches) this.writeFetch(f);
        for (const d of discoveries) this.writeDiscovery(tx, d);
      });
    } catch (error) {
      this.onError(error);
    }
  }

  private writeFetch(f: FetchRecord): void {
    const { seen, ...row } = f;
    const s = this.statements();
    const params: Record<string, string | number | null> = {};
    for (const column of FETCH_COLUMNS) {
      const v = (row as Record<string, unknown>)[column];
      params[column] = typeof v === "boolean" ? Number(v) : ((v as string | number | null | undefined) ?? null);
    }
    if (isAuthenticatedFetch(f)) s.insertFetch.run(params);
    else {
      const { key, sourceIp } = this.anonymous.keyOf(f);
      const overflow = sourceIp === OVERFLOW_SOURCE ? { sourceIp, mac: null, deviceId: null, tenantId: null } : {};
      s.countAnonymous.run({ ...params, ...overflow, anonKey: key });
    }
    if (seen && f.deviceId !== null) {
      // TFTP has no User-Agent: keep the one the phone last sent over HTTP (coalesce keeps it).
      s.touchDevice.run(f.at, f.sourceIp, f.transport === "tftp" ? null : f.userAgent, seen.firmware, f.deviceId);
    }
  }

  private prepared: ReturnType<typeof prepareStatements> | null = null;

  /** Prepared once: building a drizzle insert per row was a visible cost of a boot storm. */
  private statements(): ReturnType<typeof prepareStatements> {
    return (this.prepared ??= prepareStatements(this.db));
  }


  private writeDiscovery(tx: Db, d: Discovery): void {
    // A device that was created meanwhile is not unknown any more.
    if (tx.select({ id: devices.id }).from(devices).where(eq(devices.mac, d.mac)).get()) return;
    const existing = tx.select({ mac: discoveredDevices.mac }).from(discoveredDevices).where(eq(discoveredDevices.mac, d.mac)).get();
    if (existing) {
      tx.update(discoveredDevices)
        .set({
          lastSeenAt: d.at,
          sourceIp: d.sourceIp,
          lastFile: d.fileName,
          transport: d.transport,
          requestCount: sql`${discoveredDevices.requestCount} + 1`,
          ...(d.vendor ? { vendor: d.vendor } : {}),
          ...(d.model ? { model: d.model } : {}),
          ...(d.firmware ? { firmware: d.firmware } : {}),
          ...(d.userAgent ? { userAgent: d.userAgent } : {}),
        })
        .where(eq(discoveredDevices.mac, d.mac))
        .run();
      return;
    }
    const n = tx.select({ n: sql<number>`count(*)` }).from(discoveredDevices).get()?.n ?? 0;
    if (n >= this.discoveryMax) return;
    tx.insert(discoveredDevices)
      .values({
        mac: d.mac,
        vendor: d.vendor,
        model: d.model,
        firmware: d.firmware,
        userAgent: d.userAgent,
        lastFile: d.fileName,
        sourceIp: d.sourceIp,
        transport: d.transport,
        firstSeenAt: d.at,
        lastSeenAt: d.at,
      })
      .run();
  }
}
