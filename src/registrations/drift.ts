import { and, desc, eq, inArray, isNotNull } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { first, type Query } from "../db/data.ts";
import { deviceFiles, previewFile } from "../provisioning/preview.ts";
import type { ProvisionDeps } from "../provisioning/provision.ts";
import type { DeviceRow } from "../db/rows.ts";

export interface FileDrift {
  readonly name: string;
  /** SHA-256 of what the phone last got (fetch log), null when it never fetched the file. */
  readonly fetchedHash: string | null;
  readonly fetchedAt: number | null;
  /** SHA-256 of what it would get now. */
  readonly currentHash: string;
}

export interface DeviceDrift {
  /** current: every fetched device file is as it is now; drift: one differs; never-fetched. */
  readonly state: "current" | "drift" | "never-fetched";
  readonly files: readonly FileDrift[];
}

/** The last fetch of `name` that delivered content (served, or 304 for the same content). */
export async function lastFetchIn(q: Query, deviceId: number, name: string) {
  const { fetchLog } = q.t;
  return first(
    await q.db
      .select({ hash: fetchLog.configHash, at: fetchLog.at })
      .from(fetchLog)
      .where(and(eq(fetchLog.deviceId, deviceId), eq(fetchLog.fileName, name), inArray(fetchLog.outcome, ["served", "not_modified"]), isNotNull(fetchLog.configHash)))
      .orderBy(desc(fetchLog.at), desc(fetchLog.id))
      .limit(1),
  );
}

/**
 * Content hash of each device-specific file as the device would receive it now, from the same
 * deliver step as the fetches (src/provisioning/deliver.ts), so it compares with the fetch log's.
 * The renderer is the request path's, still synchronous: it reads through `deps.db`.
 */
function currentHashes(deps: ProvisionDeps, device: DeviceRow): { name: string; hash: string }[] {
  return deviceFiles(deps, device)
    .filter((f) => f.kind === "device")
    .map((f) => ({ name: f.name, hash: previewFile(deps, device, f.name).contentHash }));
}

/**
 * currentHashes as the caller's open transaction `q` sees the device, its own writes included
 * (force-unregister compares the files before and after its change). Until the request path's
 * renderer is on the asynchronous handle, it renders synchronously on the transaction's own
 * connection, which only SQLite has: on PostgreSQL it refuses.
 */
export function currentHashesIn(q: Query, deps: ProvisionDeps, device: DeviceRow): { name: string; hash: string }[] {
  if (q.dialect !== "sqlite") throw new Error("rendering a device's files inside a PostgreSQL transaction needs the asynchronous renderer (docs/scale-out.md#status)");
  // On SQLite, q.db is the better-sqlite3 instance of the connection holding the transaction.
  return currentHashes({ ...deps, db: q.db as unknown as Db }, device);
}

/** Config drift: the hash of what the phone last fetched against the hash of what it would get now. */
export function deviceDrift(deps: ProvisionDeps, device: DeviceRow): Promise<DeviceDrift> {
  return deps.data.read((q) => deviceDriftIn(q, deps, device));
}

/** deviceDrift in the caller's `data.read` (a page that shows many devices reads them in one). */
export async function deviceDriftIn(q: Query, deps: ProvisionDeps, device: DeviceRow): Promise<DeviceDrift> {
  const files: FileDrift[] = [];
  for (const f of currentHashes(deps, device)) {
    const last = await lastFetchIn(q, device.id, f.name);
    files.push({ name: f.name, fetchedHash: last?.hash ?? null, fetchedAt: last?.at ?? null, currentHash: f.hash });
  }
  // A file the phone never asked for (Yealink's <mac>.boot when DHCP names the .cfg) is not drift.
  const fetched = files.filter((f) => f.fetchedHash !== null);
  const state = fetched.length === 0 ? "never-fetched" : fetched.every((f) => f.fetchedHash === f.currentHash) ? "current" : "drift";
  return { state, files };
}
