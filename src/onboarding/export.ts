import { Readable } from "node:stream";
import { stringify } from "csv-stringify";
import type { ServiceDeps } from "../services/deps.ts";
import { getTenant } from "../services/tenants.ts";
import { COLUMNS, LINE_SEPARATOR } from "./columns.ts";
import { guardCell } from "./csv-guard.ts";
import { formatKeyLayout, type KeyText } from "./key-layout-text.ts";

/**
 * Export in the import's format, so a site round-trips: exporting and importing the result changes
 * nothing. Devices are read in pages by id (an open better-sqlite3 iterator would block every other
 * query on the connection while the consumer is slow), so memory stays at one page.
 */
const PAGE = 1000;

interface DeviceRow {
  id: number;
  mac: string;
  vendor: string;
  model: string;
  tenant: string;
  label: string | null;
}

function queries(deps: ServiceDeps) {
  const c = deps.db.$client;
  const base = `select d.id, d.mac, d.vendor, d.model, t.name as tenant, d.label from devices d join tenants t on t.id = d.tenant_id where d.id > ?`;
  return {
    page: c.prepare(`${base} order by d.id limit ${PAGE}`),
    pageOfTenant: c.prepare(`${base} and d.tenant_id = ? order by d.id limit ${PAGE}`),
    lines: c.prepare(
      `select l.device_id as deviceId, l.line_index as i, e.number from device_lines l join extensions e on e.id = l.extension_id
       where l.device_id between ? and ? order by l.device_id, l.line_index`,
    ),
    // The device's own keys: device_keys and its BLF-to-group keys (device_group_keys), by index.
    keys: c.prepare(
      `select k.device_id as deviceId, k.key_index as "index", k.kind, k.label, k.line_index as line,
              coalesce(e.number, k.value) as value
       from device_keys k left join extensions e on e.id = k.target_extension_id
       where k.device_id between ? and ?
       union all
       select g.device_id, g.key_index, 'blf_group', g.label, g.line_index, x.name
       from device_group_keys g join extension_groups x on x.id = g.group_id
       where g.device_id between ? and ?
       order by deviceId, "index"`,
    ),
  };
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
export function exportRows(deps: ServiceDeps, tenantName?: string): Generator<string[]> {
  const tenantId = tenantName === undefined ? null : getTenant(deps, tenantName).id;
  return pages(deps, tenantId);
}

function* pages(deps: ServiceDeps, tenantId: number | null): Generator<string[]> {
  const q = queries(deps);
  for (let after = 0; ; ) {
    const devices = (tenantId === null ? q.page.all(after) : q.pageOfTenant.all(after, tenantId)) as DeviceRow[];
    if (!devices.length) return;
    const first = devices[0]!.id;
    after = devices[devices.length - 1]!.id;
    const lines = group(q.lines.all(first, after) as { deviceId: number; i: number; number: string }[]);
    const keys = group(q.keys.all(first, after, first, after) as (KeyText & { deviceId: number })[]);
    for (const d of devices) {
      yield [d.mac, d.vendor, d.model, d.tenant, linesText(lines.get(d.id) ?? []), d.label ?? "", formatKeyLayout(keys.get(d.id) ?? [])];
    }
  }
}

/** The CSV text as a stream, header first; cells a spreadsheet would run as formulas are guarded. */
export function exportDevicesCsv(deps: ServiceDeps, tenantName?: string): Readable {
  const rows = exportRows(deps, tenantName);
  return Readable.from(rows).pipe(stringify({ header: true, columns: [...COLUMNS], cast: { string: guardCell } }));
}
