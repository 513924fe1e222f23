import type { Db } from "../db/client.ts";
import { decodeJsonColumn } from "../db/rows.ts";
import { extensionSettings } from "../db/schema.ts";
import { policyOf, type SettingsPolicy } from "../services/extension-settings/store.ts";
import type { ExpansionSource, GroupMember, KeySpec, StoredKey } from "../domain/key-expansion.ts";
import { deviceLayoutSync, layoutSpecsSync, storedDeviceKeysSync } from "../services/key-expansion-sync.ts";

/**
 * Read-only lookups of the import's checking pass, as prepared statements with caches: building a
 * drizzle query per row costs more than the check itself (the same finding as
 * src/provisioning/hot-queries.ts), and a 100,000-row file makes several lookups a row. Extensions,
 * their settings and groups are read once per tenant; a device's keys and key layout come from the
 * one reader of stored keys (src/services/key-expansion.ts). The rules applied to them are the admin
 * API's (src/services/endpoint-policy.ts, src/domain/key-expansion.ts).
 */
export interface ExistingDevice {
  readonly id: number;
  readonly tenantId: number;
  readonly vendor: string;
  readonly model: string;
  readonly label: string | null;
  readonly updatedAt: number;
  /** Expansion modules attached; the CSV has no column for them, so an import keeps them. */
  readonly expansionModules: number;
}

/** A device's own key as stored (src/domain/key-expansion.ts). */
export type ExistingKey = StoredKey;

export interface ExtensionInfo {
  readonly id: number;
  readonly number: string;
  readonly displayName: string;
  /** The settings other writers must respect; parsed on first use. */
  policy(): SettingsPolicy;
}

export interface Lookups {
  tenant(name: string): { id: number; name: string } | null;
  tenantName(id: number): string;
  /** Extension id by number within a tenant. */
  extension(tenantId: number, number: string): number | null;
  /** Number, display name and the settings other writers must respect. */
  extensionInfo(id: number): ExtensionInfo;
  /** Whether the device is in the extension's list of allowed IP phones. */
  allowedOn(extensionId: number, deviceId: number): boolean;
  /** Group id by name within a tenant. */
  group(tenantId: number, name: string): number | null;
  groupName(id: number): string;
  device(mac: string): ExistingDevice | null;
  /** Extension ids by line index - 1; holes are null. */
  lines(deviceId: number): (number | null)[];
  /** The device's own keys (plain and group keys), by index. */
  keys(deviceId: number): ExistingKey[];
  /** The device's key layout, with its keys. */
  layout(deviceId: number): { name: string; keys: readonly KeySpec[] } | null;
  discovered(mac: string): boolean;
  /** Group members for the expansion (src/domain/key-expansion.ts), from the caches. */
  readonly expansion: ExpansionSource;
}

const cached = <K, V>(load: (k: K) => V) => {
  const map = new Map<K, V>();
  return (k: K): V => {
    if (!map.has(k)) map.set(k, load(k));
    return map.get(k)!;
  };
};

type ExtRow = { id: number; number: string; displayName: string; ae: string | null; ns: string; mon: string };

function statements(db: Db) {
  const c = db.$client;
  return {
    tenants: c.prepare("select id, name from tenants"),
    extensions: c.prepare(
      `select e.id, e.number, e.display_name as displayName, s.allowed_endpoints as ae, s.number_settings as ns, s.monitoring as mon
       from extensions e left join extension_settings s on s.extension_id = e.id where e.tenant_id = ?`,
    ),
    allowed: c.prepare("select 1 from extension_allowed_devices where extension_id = ? and device_id = ?").pluck(),
    groups: c.prepare("select id, name from extension_groups where tenant_id = ?"),
    members: c.prepare("select extension_id from extension_group_members where group_id = ?").pluck(),
    groupTenant: c.prepare("select tenant_id from extension_groups where id = ?").pluck(),
    extensionTenant: c.prepare("select tenant_id from extensions where id = ?").pluck(),
    device: c.prepare("select id, tenant_id as tenantId, vendor, model, label, updated_at as updatedAt, expansion_modules as expansionModules from devices where mac = ?"),
    lines: c.prepare("select line_index as i, extension_id as e from device_lines where device_id = ? order by line_index"),
    discovered: c.prepare("select 1 from discovered_devices where mac = ?").pluck(),
  };
}

export function createLookups(db: Db): Lookups {
  const q = statements(db);
  const tenantsByName = new Map((q.tenants.all() as { id: number; name: string }[]).map((t) => [t.name, t]));
  const tenantNames = new Map([...tenantsByName.values()].map((t) => [t.id, t.name]));
  const extensionInfo = new Map<number, ExtensionInfo>();
  const extensionsOf = cached((tenantId: number) => {
    const byNumber = new Map<string, number>();
    for (const e of q.extensions.all(tenantId) as ExtRow[]) {
      byNumber.set(e.number, e.id);
      // Settings JSON is parsed once per extension, and only for the extensions the file uses, by
      // the columns' own decoders (their types are the schema's).
      let policy: SettingsPolicy | null = null;
      const settings = () => {
        if (e.ae === null) return null;
        const s = extensionSettings;
        return { allowedEndpoints: decodeJsonColumn(s.allowedEndpoints, e.ae), numberSettings: decodeJsonColumn(s.numberSettings, e.ns), monitoring: decodeJsonColumn(s.monitoring, e.mon) };
      };
      extensionInfo.set(e.id, { id: e.id, number: e.number, displayName: e.displayName, policy: () => (policy ??= policyOf(e.number, settings())) });
    }
    return byNumber;
  });
  const info = (id: number): ExtensionInfo => {
    if (!extensionInfo.has(id)) extensionsOf(q.extensionTenant.get(id) as number);
    return extensionInfo.get(id)!;
  };
  const groupNames = new Map<number, string>();
  const groupsOf = cached((tenantId: number) => {
    const rows = q.groups.all(tenantId) as { id: number; name: string }[];
    for (const g of rows) groupNames.set(g.id, g.name);
    return new Map(rows.map((g) => [g.name, g.id]));
  });
  const groupName = (id: number): string => {
    if (!groupNames.has(id)) groupsOf(q.groupTenant.get(id) as number);
    return groupNames.get(id) ?? "";
  };
  const members = cached((groupId: number): GroupMember[] =>
    (q.members.all(groupId) as number[]).map((id) => {
      const e = info(id);
      return { id, number: e.number, displayName: e.displayName, policy: e.policy().blf };
    }),
  );
  const layoutKeys = cached((layoutId: number): KeySpec[] => layoutSpecsSync(db, layoutId));
  return {
    tenant: (name) => tenantsByName.get(name) ?? null,
    tenantName: (id) => tenantNames.get(id) ?? String(id),
    extension: (tenantId, number) => extensionsOf(tenantId).get(number) ?? null,
    extensionInfo: info,
    allowedOn: (extensionId, deviceId) => q.allowed.get(extensionId, deviceId) !== undefined,
    group: (tenantId, name) => groupsOf(tenantId).get(name) ?? null,
    groupName,
    device: (mac) => (q.device.get(mac) as ExistingDevice | undefined) ?? null,
    lines(deviceId) {
      const out: (number | null)[] = [];
      for (const l of q.lines.all(deviceId) as { i: number; e: number }[]) {
        while (out.length < l.i - 1) out.push(null);
        out[l.i - 1] = l.e;
      }
      return out;
    },
    keys: (deviceId) => storedDeviceKeysSync(db, deviceId),
    layout(deviceId) {
      const l = deviceLayoutSync(db, deviceId);
      return l ? { name: l.name, keys: layoutKeys(l.id) } : null;
    },
    discovered: (mac) => q.discovered.get(mac) !== undefined,
    expansion: { members },
  };
}
