import { and, asc, eq, isNull, like, lt, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { devices, discoveredDevices } from "../db/schema.ts";
import type { Discovery } from "./fetch-recorder.ts";

/**
 * The discovery inbox under a flood of invented MACs (issue 11 item 5). Rules:
 * - an entry's identity (vendor, model, firmware, User-Agent, first file, source, transport) is the
 *   first sighting's and is never rewritten: a later request naming the same MAC only raises
 *   `request_count` and `last_seen_at`, so nobody can overwrite what a real phone reported;
 * - only open entries (not dismissed) count toward the caps;
 * - one source network (/24 IPv4, /64 IPv6) holds at most `maxPerNetwork` open entries: a flood from
 *   one network cannot crowd out the others;
 * - at the global cap the open entry seen longest ago makes room (least recently seen first), so a
 *   phone that keeps calling in (as phones retry) lands and stays while flood entries, each named
 *   once, are pushed out;
 * - entries not seen for `retentionDays` are removed (`pruneDiscovered`).
 */
export interface InboxLimits {
  readonly maxEntries: number;
  readonly maxPerNetwork: number;
}

/** The network of an address as a text prefix of `source_ip`: `a.b.c.` (IPv4 /24) or the first four IPv6 groups. */
export function networkPrefix(ip: string): string {
  const v4 = /^(?:::ffff:)?(\d+\.\d+\.\d+\.)\d+$/i.exec(ip);
  if (v4) return v4[1]!;
  const head = ip.split("::")[0]!.split(":");
  // With "::" inside the first four groups the text does not show them all: the whole address is its own network.
  return head.length >= 4 ? `${head.slice(0, 4).join(":")}:` : ip;
}

export function writeDiscovery(tx: Db, d: Discovery, limits: InboxLimits): void {
  // A device that was created meanwhile is not unknown any more.
  if (tx.select({ id: devices.id }).from(devices).where(eq(devices.mac, d.mac)).get()) return;
  const existing = tx.select({ mac: discoveredDevices.mac }).from(discoveredDevices).where(eq(discoveredDevices.mac, d.mac)).get();
  if (existing) {
    tx.update(discoveredDevices)
      .set({ lastSeenAt: sql`max(${discoveredDevices.lastSeenAt}, ${d.at})`, requestCount: sql`${discoveredDevices.requestCount} + 1` })
      .where(eq(discoveredDevices.mac, d.mac))
      .run();
    return;
  }
  const open = isNull(discoveredDevices.dismissedAt);
  const prefix = networkPrefix(d.sourceIp);
  const inNetwork = prefix === d.sourceIp ? eq(discoveredDevices.sourceIp, d.sourceIp) : like(discoveredDevices.sourceIp, `${prefix.replace(/[%_]/g, "")}%`);
  const perNetwork = tx.select({ n: sql<number>`count(*)` }).from(discoveredDevices).where(and(open, inNetwork)).get()?.n ?? 0;
  if (perNetwork >= limits.maxPerNetwork) return;
  const total = tx.select({ n: sql<number>`count(*)` }).from(discoveredDevices).where(open).get()?.n ?? 0;
  if (total >= limits.maxEntries) {
    const oldest = tx
      .select({ mac: discoveredDevices.mac })
      .from(discoveredDevices)
      .where(open)
      .orderBy(asc(discoveredDevices.lastSeenAt))
      .limit(total - limits.maxEntries + 1)
      .all();
    for (const o of oldest) tx.delete(discoveredDevices).where(eq(discoveredDevices.mac, o.mac)).run();
  }
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

/** Removes entries (open or dismissed) not seen since `before` (ms); returns how many. */
export function pruneDiscovered(tx: Db, before: number): number {
  return tx.delete(discoveredDevices).where(lt(discoveredDevices.lastSeenAt, before)).run().changes;
}
