import { and, desc, eq, inArray, isNotNull } from "drizzle-orm";
import { first, type Query } from "../db/data.ts";
import { deviceFiles, previewFileIn } from "../provisioning/preview.ts";
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
 * deliver step as the fetches (src/provisioning/deliver.ts), so it compares with the fetch log's,
 * as the read or write `q` sees the device: force-unregister compares the files before and after
 * its change, inside its transaction, its own writes included.
 */
export async function currentHashesIn(q: Query, deps: ProvisionDeps, device: DeviceRow): Promise<{ name: string; hash: string }[]> {
  const hashes: { name: string; hash: string }[] = [];
  for (const f of deviceFiles(deps, device)) if (f.kind === "device") hashes.push({ name: f.name, hash: (await previewFileIn(q, deps, device, f.name)).contentHash });
  return hashes;
}

/** Config drift: the hash of what the phone last fetched against the hash of what it would get now. */
export function deviceDrift(deps: ProvisionDeps, device: DeviceRow): Promise<DeviceDrift> {
  return deps.data.read((q) => deviceDriftIn(q, deps, device));
}

/** deviceDrift in the caller's `data.read` (a page that shows many devices reads them in one). */
export async function deviceDriftIn(q: Query, deps: ProvisionDeps, device: DeviceRow): Promise<DeviceDrift> {
  const files: FileDrift[] = [];
  for (const f of await currentHashesIn(q, deps, device)) {
    const last = await lastFetchIn(q, device.id, f.name);
    files.push({ name: f.name, fetchedHash: last?.hash ?? null, fetchedAt: last?.at ?? null, currentHash: f.hash });
  }
  // A file the phone never asked for (Yealink's <mac>.boot when DHCP names the .cfg) is not drift.
  const fetched = files.filter((f) => f.fetchedHash !== null);
  const state = fetched.length === 0 ? "never-fetched" : fetched.every((f) => f.fetchedHash === f.currentHash) ? "current" : "drift";
  return { state, files };
}
