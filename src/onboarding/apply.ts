import { eq, getTableColumns, inArray, type Table } from "drizzle-orm";
import { SqliteError } from "better-sqlite3";
import type { Query } from "../db/data.ts";
import { AppError, conflict } from "../errors.ts";
import { insertAudit } from "../services/audit.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { randomPassword } from "../secrets.ts";
import { newDeviceSecrets } from "../services/devices.ts";
import type { Plan, PlannedDevice } from "./planner.ts";
import { openBootstrapWindowIn } from "../provisioning/bootstrap.ts";

export interface ApplyOptions {
  readonly actor: string;
  readonly source: "csv" | "claim";
  readonly fileName: string | null;
  /** Called every `PROGRESS_EVERY` devices written, inside the transaction. */
  readonly onProgress?: (written: number, total: number) => void;
}

const PROGRESS_EVERY = 5000;
/** Devices written per round of statements (a divisor of PROGRESS_EVERY). */
const SLICE = 500;
/** Bound parameters per statement: under SQLite's 32,766 and PostgreSQL's 65,535. */
const MAX_PARAMS = 30_000;

const changedMeanwhile = (mac: string): AppError =>
  conflict(`device ${mac} changed while the file was being checked; nothing was imported, run the import again`);

/** A unique or foreign-key violation: on SQLite an SQLITE_CONSTRAINT code, on PostgreSQL SQLSTATE class 23 (drizzle wraps both in `cause`). */
function isConstraintViolation(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e instanceof SqliteError) return e.code.startsWith("SQLITE_CONSTRAINT");
    if (typeof e.code === "string" && /^23[0-9A-Z]{3}$/.test(e.code)) return true;
  }
  return false;
}

/** Inserts rows in as few statements as the parameter bound allows. */
async function insertAll<T extends Table>(q: Query, table: T, rows: readonly T["$inferInsert"][]): Promise<void> {
  const per = Math.max(1, Math.floor(MAX_PARAMS / Object.keys(getTableColumns(table)).length));
  for (let i = 0; i < rows.length; i += per) await q.db.insert(table as never).values(rows.slice(i, i + per) as never);
}

/** Per tenant: whether it has zero-touch on, and its window length; read once per tenant. */
type ZeroTouch = Map<number, { enabled: boolean; seconds: number } | undefined>;

/**
 * A phone that called in over HTTP(S) before it was claimed or imported gets a zero-touch window
 * bound to that address, when its tenant has zeroTouch on (src/provisioning/bootstrap.ts).
 */
async function openFirstContacts(q: Query, created: readonly { d: PlannedDevice; id: number }[], now: number, zeroTouch: ZeroTouch, options: ApplyOptions): Promise<void> {
  const { discoveredDevices: dd, tenants: t } = q.t;
  const inbox = await q.db.select({ mac: dd.mac, sourceIp: dd.sourceIp, transport: dd.transport }).from(dd).where(inArray(dd.mac, created.map((c) => c.d.mac)));
  if (!inbox.length) return;
  const contacts = new Map(inbox.map((r) => [r.mac, r]));
  const unread = [...new Set(created.map((c) => c.d.tenantId))].filter((id) => !zeroTouch.has(id));
  if (unread.length) {
    for (const id of unread) zeroTouch.set(id, undefined);
    for (const r of await q.db.select({ id: t.id, enabled: t.zeroTouch, seconds: t.zeroTouchWindowSeconds }).from(t).where(inArray(t.id, unread))) zeroTouch.set(r.id, r);
  }
  const reason = options.source === "claim" ? "claim" : "import";
  for (const { d, id } of created) {
    const contact = contacts.get(d.mac);
    const tenant = zeroTouch.get(d.tenantId);
    if (!contact || contact.transport === "tftp" || !tenant?.enabled) continue;
    await openBootstrapWindowIn(q, { deviceId: id, tenantId: d.tenantId, sourceIp: contact.sourceIp, now, seconds: tenant.seconds, openedBy: options.actor, reason });
  }
}

/**
 * Writes one slice of the plan: each device is re-read first (a change since the checking pass
 * refuses the import), then new devices are inserted with their event-URL secrets (as
 * issueEventSecret() writes them, src/registrations/event-secrets.ts) and leave the inbox, changed
 * ones are updated, and both get their lines and keys. Returns the device ids in slice order.
 */
async function writeSlice(deps: ServiceDeps, q: Query, slice: readonly PlannedDevice[], now: number, zeroTouch: ZeroTouch, options: ApplyOptions): Promise<number[]> {
  const { devices: dv, deviceLines, deviceKeys, deviceGroupKeys, deviceEventSecrets, discoveredDevices } = q.t;
  const current = new Map((await q.db.select({ id: dv.id, mac: dv.mac, updatedAt: dv.updatedAt }).from(dv).where(inArray(dv.mac, slice.map((d) => d.mac)))).map((r) => [r.mac, r]));
  for (const d of slice) {
    const c = current.get(d.mac);
    if (d.existing ? !c || c.id !== d.existing.id || c.updatedAt !== d.existing.updatedAt : c) throw changedMeanwhile(d.mac);
  }
  const ids = new Map([...current].map(([mac, c]) => [mac, c.id]));
  const fresh = slice.filter((d) => !d.existing);
  if (fresh.length) {
    const rows = fresh.map((d) => ({ mac: d.mac, vendor: d.vendor, model: d.model, tenantId: d.tenantId, label: d.label, ...newDeviceSecrets(deps, d.mac), createdAt: now, updatedAt: now }));
    for (const r of await q.db.insert(dv).values(rows).returning({ id: dv.id, mac: dv.mac })) ids.set(r.mac, r.id);
    await q.db.insert(deviceEventSecrets).values(fresh.map((d) => ({ deviceId: ids.get(d.mac)!, secretEnc: deps.secrets.seal(randomPassword()), createdAt: now }))).onConflictDoNothing();
    await openFirstContacts(q, fresh.map((d) => ({ d, id: ids.get(d.mac)! })), now, zeroTouch, options);
    await q.db.delete(discoveredDevices).where(inArray(discoveredDevices.mac, fresh.map((d) => d.mac)));
  }
  const changed = slice.filter((d) => d.action === "updated");
  for (const d of changed) {
    await q.db.update(dv).set({ vendor: d.vendor, model: d.model, label: d.label, updatedAt: now }).where(eq(dv.id, d.existing!.id));
  }
  if (changed.length) await q.db.delete(deviceLines).where(inArray(deviceLines.deviceId, changed.map((d) => d.existing!.id)));
  const rekeyed = changed.filter((d) => d.keys).map((d) => d.existing!.id);
  if (rekeyed.length) {
    await q.db.delete(deviceKeys).where(inArray(deviceKeys.deviceId, rekeyed));
    // BLF-to-group keys live apart from the other kinds, as setKeys() writes them (src/services/device-layout.ts).
    await q.db.delete(deviceGroupKeys).where(inArray(deviceGroupKeys.deviceId, rekeyed));
  }
  const laidOut = [...fresh, ...changed].map((d) => ({ d, id: ids.get(d.mac)! }));
  await insertAll(q, deviceLines, laidOut.flatMap(({ d, id }) => d.lines.flatMap((ext, i) => (ext === null ? [] : [{ deviceId: id, lineIndex: i + 1, extensionId: ext }]))));
  const keys = laidOut.flatMap(({ d, id }) => (d.keys ?? []).map((k) => ({ ...k, deviceId: id })));
  await insertAll(q, deviceGroupKeys, keys.filter((k) => k.kind === "blf_group").map((k) => ({ deviceId: k.deviceId, keyIndex: k.keyIndex, groupId: k.groupId!, label: k.label, lineIndex: k.lineIndex })));
  await insertAll(
    q,
    deviceKeys,
    keys.filter((k) => k.kind !== "blf_group").map((k) => ({ deviceId: k.deviceId, keyIndex: k.keyIndex, kind: k.kind as Exclude<typeof k.kind, "blf_group">, label: k.label, lineIndex: k.lineIndex, targetExtensionId: k.targetExtensionId, value: k.value })),
  );
  return slice.map((d) => ids.get(d.mac)!);
}

/**
 * Writes a checked plan in ONE transaction: all rows or none (serializable on PostgreSQL, the
 * default: each device is re-read first, so a change made between the checking pass and this write
 * refuses the import instead of overwriting it). A plan in which nothing changes writes nothing at
 * all (no batch), keeping re-imports a no-op.
 */
export async function applyPlan(deps: ServiceDeps, plan: Plan, options: ApplyOptions): Promise<number | null> {
  if (plan.counts.created + plan.counts.updated === 0) return null;
  const now = deps.clock().getTime();
  try {
    return await deps.data.write(async (q) => {
      const { counts } = plan;
      const { importBatches: b, importBatchDevices: m } = q.t;
      const [batch] = await q.db
        .insert(b)
        .values({ createdAt: now, actor: options.actor, source: options.source, fileName: options.fileName, rows: plan.rows, ...counts })
        .returning({ id: b.id });
      const batchId = batch!.id;
      const zeroTouch: ZeroTouch = new Map();
      for (let i = 0; i < plan.devices.length; i += SLICE) {
        const slice = plan.devices.slice(i, i + SLICE);
        const ids = await writeSlice(deps, q, slice, now, zeroTouch, options);
        await insertAll(q, m, slice.map((d, j) => ({ batchId, deviceId: ids[j]!, mac: d.mac, action: d.action, row: d.row })));
        const written = i + slice.length;
        if (written % PROGRESS_EVERY === 0) options.onProgress?.(written, plan.devices.length);
      }
      await insertAudit(q, now, {
        actor: options.actor,
        action: options.source === "csv" ? "devices.import" : "devices.claim",
        target: `import:${batchId}`,
        after: { ...counts, rows: plan.rows, fileName: options.fileName },
      });
      return batchId;
    });
  } catch (err) {
    if (isConstraintViolation(err)) {
      throw conflict("a tenant, extension or device changed while the file was being checked; nothing was imported, run the import again");
    }
    throw err;
  }
}
