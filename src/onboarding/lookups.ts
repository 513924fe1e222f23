import type { Db } from "../db/client.ts";

/**
 * Read-only lookups of the import's checking pass, as prepared statements with caches: building a
 * drizzle query per row costs more than the check itself (the same finding as
 * src/provisioning/hot-queries.ts), and a 100,000-row file makes several lookups a row.
 */
export interface ExistingDevice {
  readonly id: number;
  readonly tenantId: number;
  readonly vendor: string;
  readonly model: string;
  readonly label: string | null;
  readonly updatedAt: number;
}

export interface ExistingKey {
  readonly keyIndex: number;
  readonly kind: string;
  readonly label: string | null;
  readonly lineIndex: number;
  readonly targetExtensionId: number | null;
  readonly value: string | null;
}

export interface Lookups {
  tenant(name: string): { id: number; name: string } | null;
  tenantName(id: number): string;
  /** Extension id by number within a tenant. */
  extension(tenantId: number, number: string): number | null;
  device(mac: string): ExistingDevice | null;
  /** Extension ids by line index - 1; holes are null. */
  lines(deviceId: number): (number | null)[];
  keys(deviceId: number): ExistingKey[];
  discovered(mac: string): boolean;
}

export function createLookups(db: Db): Lookups {
  const c = db.$client;
  const tenantsByName = new Map<string, { id: number; name: string }>();
  for (const t of c.prepare("select id, name from tenants").all() as { id: number; name: string }[]) tenantsByName.set(t.name, t);
  const tenantNames = new Map([...tenantsByName.values()].map((t) => [t.id, t.name]));
  const extensionsOf = new Map<number, Map<string, number>>();
  const extStmt = c.prepare("select id, number from extensions where tenant_id = ?");
  const deviceStmt = c.prepare(
    "select id, tenant_id as tenantId, vendor, model, label, updated_at as updatedAt from devices where mac = ?",
  );
  const linesStmt = c.prepare("select line_index as i, extension_id as e from device_lines where device_id = ? order by line_index");
  const keysStmt = c.prepare(
    "select key_index as keyIndex, kind, label, line_index as lineIndex, target_extension_id as targetExtensionId, value from device_keys where device_id = ? order by key_index",
  );
  const discoveredStmt = c.prepare("select 1 from discovered_devices where mac = ?").pluck();
  return {
    tenant: (name) => tenantsByName.get(name) ?? null,
    tenantName: (id) => tenantNames.get(id) ?? String(id),
    extension(tenantId, number) {
      let map = extensionsOf.get(tenantId);
      if (!map) {
        map = new Map((extStmt.all(tenantId) as { id: number; number: string }[]).map((e) => [e.number, e.id]));
        extensionsOf.set(tenantId, map);
      }
      return map.get(number) ?? null;
    },
    device: (mac) => (deviceStmt.get(mac) as ExistingDevice | undefined) ?? null,
    lines(deviceId) {
      const out: (number | null)[] = [];
      for (const l of linesStmt.all(deviceId) as { i: number; e: number }[]) {
        while (out.length < l.i - 1) out.push(null);
        out[l.i - 1] = l.e;
      }
      return out;
    },
    keys: (deviceId) => keysStmt.all(deviceId) as ExistingKey[],
    discovered: (mac) => discoveredStmt.get(mac) !== undefined,
  };
}
