import { Readable } from "node:stream";
import { stringify } from "csv-stringify";
import { and, asc, eq, gt, inArray } from "drizzle-orm";
import type { Query } from "../db/data.ts";
import type { StoredKey } from "../domain/key-expansion.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { storedKeysOfDevices } from "../services/key-expansion.ts";
import { loadTenant } from "../services/tenants.ts";
import { COLUMNS, LINE_SEPARATOR } from "./columns.ts";
import { guardCell } from "./csv-guard.ts";
import { formatKeyLayout, type KeyText } from "./key-layout-text.ts";

/**
 * Export in the import's format, so a site round-trips: exporting and importing the result changes
 * nothing. Devices are read in pages by id, one `data.read` per page (a read held open while the
 * consumer is slow would keep a connection, or an in-memory database's lock, from everyone else),
 * so memory stays at one page.
 */
const PAGE = 1000;

/** The page of devices after id `after`, with the last id read (null past the last device). */
async function page(q: Query, after: number, tenantId: number | null): Promise<{ rows: string[][]; last: number | null }> {
  const { devices: d, tenants: t, deviceLines: l, extensions: e } = q.t;
  const devices = await q.db
    .select({ id: d.id, mac: d.mac, vendor: d.vendor, model: d.model, tenant: t.name, label: d.label })
    .from(d)
    .innerJoin(t, eq(t.id, d.tenantId))
    .where(tenantId === null ? gt(d.id, after) : and(gt(d.id, after), eq(d.tenantId, tenantId)))
    .orderBy(asc(d.id))
    .limit(PAGE);
  if (!devices.length) return { rows: [], last: null };
  const ids = devices.map((r) => r.id);
  const lines = group(
    await q.db.select({ deviceId: l.deviceId, i: l.lineIndex, number: e.number }).from(l).innerJoin(e, eq(e.id, l.extensionId)).where(inArray(l.deviceId, ids)).orderBy(asc(l.deviceId), asc(l.lineIndex)),
  );
  const keys = await storedKeysOfDevices(q, ids);
  const rows = devices.map((r) => [r.mac, r.vendor, r.model, r.tenant, linesText(lines.get(r.id) ?? []), r.label ?? "", formatKeyLayout((keys.get(r.id) ?? []).map(keyText))]);
  return { rows, last: ids[ids.length - 1]! };
}

/** A stored key as the key_layout column names it: a BLF by its extension's number, a group key by the group's name. */
function keyText(k: StoredKey): KeyText {
  const value = k.kind === "blf_group" ? k.groupName : (k.targetNumber ?? k.value);
  return { index: k.keyIndex, kind: k.kind, value, label: k.label, line: k.lineIndex };
}

function group<T extends { deviceId: number }>(rows: T[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const r of rows) {
    const list = out.get(r.deviceId);
    if (list) list.push(r);
    else out.set(r.deviceId, [r]);
  }
  return out;
}

function linesText(lines: { i: number; number: string }[]): string {
  const slots: string[] = [];
  for (const l of lines) {
    while (slots.length < l.i - 1) slots.push("");
    slots[l.i - 1] = l.number;
  }
  return slots.join(LINE_SEPARATOR);
}

/** Rows in column order, all devices or one tenant's (an unknown tenant throws at once, not on reading). */
export async function exportRows(deps: ServiceDeps, tenantName?: string): Promise<AsyncGenerator<string[]>> {
  const tenantId = tenantName === undefined ? null : (await deps.data.read((q) => loadTenant(q, tenantName))).id;
  return pages(deps, tenantId);
}

async function* pages(deps: ServiceDeps, tenantId: number | null): AsyncGenerator<string[]> {
  for (let after: number | null = 0; after !== null; ) {
    const from: number = after;
    const { rows, last } = await deps.data.read((q) => page(q, from, tenantId));
    yield* rows;
    after = last;
  }
}

/** The CSV text as a stream, header first; cells a spreadsheet would run as formulas are guarded. */
export async function exportDevicesCsv(deps: ServiceDeps, tenantName?: string): Promise<Readable> {
  const rows = await exportRows(deps, tenantName);
  return Readable.from(rows).pipe(stringify({ header: true, columns: [...COLUMNS], cast: { string: guardCell } }));
}
