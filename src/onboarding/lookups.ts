import { eq, inArray } from "drizzle-orm";
import type { Query } from "../db/data.ts";
import type { ExtensionSettingsRow } from "../db/rows.ts";
import type { ExpansionSource, GroupMember, KeySpec, StoredKey } from "../domain/key-expansion.ts";
import { policyOf, type SettingsPolicy } from "../services/extension-settings/store.ts";
import { checkMac } from "../services/device-rules.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { layoutSpecs, storedKeysOfDevices } from "../services/key-expansion.ts";
import type { DeviceRecord } from "./columns.ts";

/**
 * Read-only lookups of the import's checking pass. The checks are synchronous and run row by row;
 * what they look up is read ahead, a chunk of records at a time (`load`), in one `data.read` of a
 * few queries: the chunk's devices with their lines, keys, layouts and allowed-device rows, and,
 * once per tenant the chunk names, its extensions with their settings, its groups and their members.
 * A query per row would cost more than the check itself (a 100,000-row file makes several lookups a
 * row), and on PostgreSQL each would be a round trip. A device's keys and key layout come from the
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
  /** The settings other writers must respect. */
  policy(): SettingsPolicy;
}

/** What the checks of the records last given to `load` may ask; devices of other records read as unknown. */
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
  /** Group members for the expansion (src/domain/key-expansion.ts), from the caches. */
  readonly expansion: ExpansionSource;
}

export interface LookupReader extends Lookups {
  /** Reads what checking these records needs; replaces the previous chunk's devices. */
  load(records: readonly DeviceRecord[]): Promise<void>;
}

type SettingsColumns = Pick<ExtensionSettingsRow, "allowedEndpoints" | "numberSettings" | "monitoring">;

/** The rows of one chunk's devices. */
interface Chunk {
  readonly devices: Map<string, ExistingDevice>;
  readonly lines: Map<number, (number | null)[]>;
  readonly keys: Map<number, StoredKey[]>;
  readonly layouts: Map<number, { id: number; name: string }>;
  /** `extensionId:deviceId` of extension_allowed_devices. */
  readonly allowed: Set<string>;
}

const emptyChunk = (): Chunk => ({ devices: new Map(), lines: new Map(), keys: new Map(), layouts: new Map(), allowed: new Set() });

class Reader implements LookupReader {
  private readonly tenantsByName = new Map<string, { id: number; name: string }>();
  private readonly tenantNames = new Map<number, string>();
  private readonly loadedTenants = new Set<number>();
  private readonly extensionIds = new Map<number, Map<string, number>>();
  private readonly extensionInfos = new Map<number, ExtensionInfo>();
  private readonly groupIds = new Map<number, Map<string, number>>();
  private readonly groupNames = new Map<number, string>();
  private readonly groupMembers = new Map<number, number[]>();
  private readonly memberViews = new Map<number, GroupMember[]>();
  private readonly layoutKeys = new Map<number, KeySpec[]>();
  private chunk: Chunk = emptyChunk();

  readonly expansion: ExpansionSource = { members: (groupId) => this.members(groupId) };

  constructor(private readonly deps: Pick<ServiceDeps, "data">) {}

  async start(): Promise<this> {
    const rows = await this.deps.data.read((q) => q.db.select({ id: q.t.tenants.id, name: q.t.tenants.name }).from(q.t.tenants));
    for (const t of rows) {
      this.tenantsByName.set(t.name, t);
      this.tenantNames.set(t.id, t.name);
    }
    return this;
  }

  load(records: readonly DeviceRecord[]): Promise<void> {
    const macs = [...new Set(records.flatMap((r) => { const m = checkMac(r.mac); return m.ok ? [m.value] : []; }))];
    const named = records.flatMap((r) => { const t = this.tenantsByName.get(r.tenant); return t ? [t.id] : []; });
    return this.deps.data.read(async (q) => {
      const chunk = await readChunk(q, macs);
      const tenants = new Set([...named, ...Array.from(chunk.devices, ([, d]) => d.tenantId)]);
      await this.loadTenants(q, [...tenants]);
      for (const l of new Set(Array.from(chunk.layouts, ([, l]) => l.id))) {
        if (!this.layoutKeys.has(l)) this.layoutKeys.set(l, await layoutSpecs(q, l));
      }
      await this.loadReferenced(q, chunk);
      this.chunk = chunk;
    });
  }

  /** Extensions and groups a stored key or layout names in a tenant no row named (not expected: they are the device's tenant's). */
  private async loadReferenced(q: Query, chunk: Chunk): Promise<void> {
    const specs = [...Array.from(chunk.keys, ([, keys]) => keys), ...Array.from(chunk.layouts, ([, l]) => this.layoutKeys.get(l.id) ?? [])].flat();
    const extIds = [...new Set(specs.flatMap((k) => (k.targetExtensionId !== null && !this.extensionInfos.has(k.targetExtensionId) ? [k.targetExtensionId] : [])))];
    const groupIds = [...new Set(specs.flatMap((k) => (k.groupId !== null && !this.groupNames.has(k.groupId) ? [k.groupId] : [])))];
    const { extensions: e, extensionGroups: g } = q.t;
    const tenants = [
      ...(extIds.length ? await q.db.select({ t: e.tenantId }).from(e).where(inArray(e.id, extIds)) : []),
      ...(groupIds.length ? await q.db.select({ t: g.tenantId }).from(g).where(inArray(g.id, groupIds)) : []),
    ];
    await this.loadTenants(q, [...new Set(tenants.map((r) => r.t))]);
  }

  /** Each tenant's extensions (with the settings other writers must respect), groups and members, once. */
  private async loadTenants(q: Query, ids: readonly number[]): Promise<void> {
    const todo = ids.filter((id) => !this.loadedTenants.has(id));
    if (!todo.length) return;
    const { extensions: e, extensionSettings: s, extensionGroups: g, extensionGroupMembers: m } = q.t;
    const exts = await q.db
      .select({ id: e.id, tenantId: e.tenantId, number: e.number, displayName: e.displayName, ae: s.allowedEndpoints, ns: s.numberSettings, mon: s.monitoring })
      .from(e)
      .leftJoin(s, eq(s.extensionId, e.id))
      .where(inArray(e.tenantId, todo));
    for (const id of todo) {
      this.loadedTenants.add(id);
      this.extensionIds.set(id, new Map());
      this.groupIds.set(id, new Map());
    }
    for (const x of exts) {
      this.extensionIds.get(x.tenantId)!.set(x.number, x.id);
      const settings: SettingsColumns | null = x.ae === null ? null : { allowedEndpoints: x.ae, numberSettings: x.ns!, monitoring: x.mon! };
      let policy: SettingsPolicy | null = null;
      this.extensionInfos.set(x.id, { id: x.id, number: x.number, displayName: x.displayName, policy: () => (policy ??= policyOf(x.number, settings)) });
    }
    for (const r of await q.db.select({ id: g.id, tenantId: g.tenantId, name: g.name }).from(g).where(inArray(g.tenantId, todo))) {
      this.groupIds.get(r.tenantId)!.set(r.name, r.id);
      this.groupNames.set(r.id, r.name);
      this.groupMembers.set(r.id, []);
    }
    const members = await q.db.select({ groupId: m.groupId, extensionId: m.extensionId }).from(m).innerJoin(g, eq(g.id, m.groupId)).where(inArray(g.tenantId, todo));
    for (const r of members) this.groupMembers.get(r.groupId)?.push(r.extensionId);
  }

  private members(groupId: number): GroupMember[] {
    let view = this.memberViews.get(groupId);
    if (!view) {
      view = (this.groupMembers.get(groupId) ?? []).map((id) => {
        const e = this.extensionInfo(id);
        return { id, number: e.number, displayName: e.displayName, policy: e.policy().blf };
      });
      this.memberViews.set(groupId, view);
    }
    return view;
  }

  tenant(name: string) {
    return this.tenantsByName.get(name) ?? null;
  }
  tenantName(id: number) {
    return this.tenantNames.get(id) ?? String(id);
  }
  extension(tenantId: number, number: string) {
    return this.extensionIds.get(tenantId)?.get(number) ?? null;
  }
  extensionInfo(id: number): ExtensionInfo {
    const info = this.extensionInfos.get(id);
    if (!info) throw new Error(`extension ${id} was not read ahead for the import's checks`);
    return info;
  }
  allowedOn(extensionId: number, deviceId: number) {
    return this.chunk.allowed.has(`${extensionId}:${deviceId}`);
  }
  group(tenantId: number, name: string) {
    return this.groupIds.get(tenantId)?.get(name) ?? null;
  }
  groupName(id: number) {
    return this.groupNames.get(id) ?? "";
  }
  device(mac: string) {
    return this.chunk.devices.get(mac) ?? null;
  }
  lines(deviceId: number) {
    return this.chunk.lines.get(deviceId) ?? [];
  }
  keys(deviceId: number) {
    return this.chunk.keys.get(deviceId) ?? [];
  }
  layout(deviceId: number) {
    const l = this.chunk.layouts.get(deviceId);
    return l ? { name: l.name, keys: this.layoutKeys.get(l.id) ?? [] } : null;
  }
}

/** The chunk's devices by MAC, with their lines, own keys, layouts and allowed-device rows. */
async function readChunk(q: Query, macs: readonly string[]): Promise<Chunk> {
  const chunk = emptyChunk();
  if (!macs.length) return chunk;
  const { devices: d, deviceLines: l, deviceKeyLayouts: dl, keyLayouts: kl, extensionAllowedDevices: a } = q.t;
  const found = await q.db
    .select({ id: d.id, mac: d.mac, tenantId: d.tenantId, vendor: d.vendor, model: d.model, label: d.label, updatedAt: d.updatedAt, expansionModules: d.expansionModules })
    .from(d)
    .where(inArray(d.mac, [...macs]));
  if (!found.length) return chunk;
  const ids = found.map((r) => r.id);
  for (const { mac, ...device } of found) chunk.devices.set(mac, device);
  for (const r of await q.db.select({ deviceId: l.deviceId, i: l.lineIndex, e: l.extensionId }).from(l).where(inArray(l.deviceId, ids)).orderBy(l.deviceId, l.lineIndex)) {
    let out = chunk.lines.get(r.deviceId);
    if (!out) chunk.lines.set(r.deviceId, (out = []));
    while (out.length < r.i - 1) out.push(null);
    out[r.i - 1] = r.e;
  }
  for (const [id, keys] of await storedKeysOfDevices(q, ids)) chunk.keys.set(id, keys);
  for (const r of await q.db.select({ deviceId: dl.deviceId, id: kl.id, name: kl.name }).from(dl).innerJoin(kl, eq(kl.id, dl.layoutId)).where(inArray(dl.deviceId, ids))) {
    chunk.layouts.set(r.deviceId, { id: r.id, name: r.name });
  }
  for (const r of await q.db.select({ e: a.extensionId, d: a.deviceId }).from(a).where(inArray(a.deviceId, ids))) chunk.allowed.add(`${r.e}:${r.d}`);
  return chunk;
}

/** The lookups of one import: the tenants are read now, the rest a chunk at a time (`load`). */
export function openLookups(deps: Pick<ServiceDeps, "data">): Promise<LookupReader> {
  return new Reader(deps).start();
}
