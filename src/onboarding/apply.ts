import { SqliteError } from "better-sqlite3";
import { writeTransaction, type Db } from "../db/client.ts";
import { AppError, conflict } from "../errors.ts";
import { recordAudit } from "../services/audit.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { randomPassword } from "../secrets.ts";
import { newDeviceSecrets } from "../services/devices.ts";
import type { Plan, PlannedDevice } from "./planner.ts";
import { openBootstrapWindow } from "../provisioning/bootstrap.ts";

export interface ApplyOptions {
  readonly actor: string;
  readonly source: "csv" | "claim";
  readonly fileName: string | null;
  /** Called every `PROGRESS_EVERY` devices written, inside the transaction. */
  readonly onProgress?: (written: number, total: number) => void;
}

const PROGRESS_EVERY = 5000;

const changedMeanwhile = (mac: string): AppError =>
  conflict(`device ${mac} changed while the file was being checked; nothing was imported, run the import again`);

/** Raw prepared statements: one insert per row inside one transaction (see lookups.ts for why not drizzle). */
function statements(db: Db) {
  const c = db.$client;
  return {
    current: c.prepare("select id, updated_at as updatedAt from devices where mac = ?"),
    insertDevice: c.prepare(
      `insert into devices (mac, vendor, model, tenant_id, label, prov_username, prov_password_enc, admin_password_enc, created_at, updated_at)
       values (@mac, @vendor, @model, @tenantId, @label, @provUsername, @provPasswordEnc, @adminPasswordEnc, @now, @now)`,
    ),
    updateDevice: c.prepare("update devices set vendor = @vendor, model = @model, label = @label, updated_at = @now where id = @id"),
    deleteLines: c.prepare("delete from device_lines where device_id = ?"),
    // Event-URL secret of a new device, as issueEventSecret() writes it (src/registrations/event-secrets.ts).
    insertEventSecret: c.prepare("insert into device_event_secrets (device_id, secret_enc, created_at) values (?, ?, ?) on conflict do nothing"),
    insertLine: c.prepare("insert into device_lines (device_id, line_index, extension_id) values (?, ?, ?)"),
    deleteKeys: c.prepare("delete from device_keys where device_id = ?"),
    insertKey: c.prepare(
      "insert into device_keys (device_id, key_index, kind, label, line_index, target_extension_id, value) values (?, ?, ?, ?, ?, ?, ?)",
    ),
    // BLF-to-group keys live apart from the other kinds, as setKeys() writes them (src/services/device-layout.ts).
    deleteGroupKeys: c.prepare("delete from device_group_keys where device_id = ?"),
    insertGroupKey: c.prepare("insert into device_group_keys (device_id, key_index, group_id, label, line_index) values (?, ?, ?, ?, ?)"),
    undiscover: c.prepare("delete from discovered_devices where mac = ?"),
    inboxContact: c.prepare("select source_ip as sourceIp, transport from discovered_devices where mac = ?"),
    zeroTouch: c.prepare("select zero_touch as enabled, zero_touch_window_seconds as seconds from tenants where id = ?"),
    insertBatch: c.prepare(
      "insert into import_batches (created_at, actor, source, file_name, rows, created, updated, unchanged) values (?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    insertMember: c.prepare("insert into import_batch_devices (batch_id, device_id, mac, action, row) values (?, ?, ?, ?, ?)"),
  };
}

type Statements = ReturnType<typeof statements>;

/**
 * A phone that called in over HTTP(S) before it was claimed or imported gets a zero-touch window
 * bound to that address, when its tenant has zeroTouch on (src/provisioning/bootstrap.ts).
 */
function openFirstContact(deps: ServiceDeps, s: Statements, d: PlannedDevice, id: number, now: number, options: ApplyOptions): void {
  const contact = s.inboxContact.get(d.mac) as { sourceIp: string; transport: string } | undefined;
  const tenant = s.zeroTouch.get(d.tenantId) as { enabled: number; seconds: number } | undefined;
  if (!contact || contact.transport === "tftp" || !tenant?.enabled) return;
  const reason = options.source === "claim" ? "claim" : "import";
  openBootstrapWindow(deps.db, { deviceId: id, tenantId: d.tenantId, sourceIp: contact.sourceIp, now, seconds: tenant.seconds, openedBy: options.actor, reason });
}

function writeDevice(deps: ServiceDeps, s: Statements, d: PlannedDevice, now: number, options: ApplyOptions): number {
  const current = s.current.get(d.mac) as { id: number; updatedAt: number } | undefined;
  if (!d.existing) {
    if (current) throw changedMeanwhile(d.mac);
    const row = { ...d, ...newDeviceSecrets(deps, d.mac), now };
    const id = Number(s.insertDevice.run(row).lastInsertRowid);
    s.insertEventSecret.run(id, deps.secrets.seal(randomPassword()), now);
    openFirstContact(deps, s, d, id, now, options);
    s.undiscover.run(d.mac);
    writeLayout(s, id, d);
    return id;
  }
  if (!current || current.id !== d.existing.id || current.updatedAt !== d.existing.updatedAt) throw changedMeanwhile(d.mac);
  if (d.action === "updated") {
    s.updateDevice.run({ id: current.id, vendor: d.vendor, model: d.model, label: d.label, now });
    s.deleteLines.run(current.id);
    if (d.keys) {
      s.deleteKeys.run(current.id);
      s.deleteGroupKeys.run(current.id);
    }
    writeLayout(s, current.id, d);
  }
  return current.id;
}

function writeLayout(s: Statements, id: number, d: PlannedDevice): void {
  d.lines.forEach((ext, i) => ext !== null && s.insertLine.run(id, i + 1, ext));
  for (const k of d.keys ?? []) {
    if (k.kind === "blf_group") s.insertGroupKey.run(id, k.keyIndex, k.groupId, k.label, k.lineIndex);
    else s.insertKey.run(id, k.keyIndex, k.kind, k.label, k.lineIndex, k.targetExtensionId, k.value);
  }
}

/**
 * Writes a checked plan in ONE transaction: all rows or none. Each device is re-read first, so a
 * change made between the checking pass and this write refuses the import instead of overwriting
 * it. A plan in which nothing changes writes nothing at all (no batch), keeping re-imports a no-op.
 */
export function applyPlan(deps: ServiceDeps, plan: Plan, options: ApplyOptions): number | null {
  if (plan.counts.created + plan.counts.updated === 0) return null;
  const now = deps.clock().getTime();
  const s = statements(deps.db);
  try {
    return writeTransaction(deps.db, (tx) => {
      const { counts } = plan;
      const batchId = Number(
        s.insertBatch.run(now, options.actor, options.source, options.fileName, plan.rows, counts.created, counts.updated, counts.unchanged).lastInsertRowid,
      );
      plan.devices.forEach((d, i) => {
        s.insertMember.run(batchId, writeDevice(deps, s, d, now, options), d.mac, d.action, d.row);
        if ((i + 1) % PROGRESS_EVERY === 0) options.onProgress?.(i + 1, plan.devices.length);
      });
      recordAudit(tx, now, {
        actor: options.actor,
        action: options.source === "csv" ? "devices.import" : "devices.claim",
        target: `import:${batchId}`,
        after: { ...counts, rows: plan.rows, fileName: options.fileName },
      });
      return batchId;
    });
  } catch (err) {
    if (err instanceof SqliteError && err.code.startsWith("SQLITE_CONSTRAINT")) {
      throw conflict("a tenant, extension or device changed while the file was being checked; nothing was imported, run the import again");
    }
    throw err;
  }
}
