import { asc, eq } from "drizzle-orm";
import { auditChange } from "./actor.ts";
import { writeTransaction } from "../db/client.ts";
import { deviceKeys, deviceLines, extensions } from "../db/schema.ts";
import { invalidInput } from "../errors.ts";
import type { ServiceDeps } from "./deps.ts";
import { firstDuplicate, keyProblem, lineIndexProblem } from "./device-rules.ts";
import { getDevice, modelOf, tenantExtension } from "./devices.ts";
import type { KeyInput, LinesInput } from "./schemas.ts";

/** A device's lines (account index -> extension) and programmable keys. */

export interface LineView {
  readonly index: number;
  readonly extension: string;
}

export interface KeyView {
  readonly index: number;
  readonly kind: KeyInput["kind"];
  readonly label: string | null;
  readonly line: number;
  readonly value: string | null;
}

function checkUnique(indexes: number[], what: string): void {
  const twice = firstDuplicate(indexes);
  if (twice !== null) throw invalidInput(`${what} ${twice} is given twice`);
}

export function getLines(deps: ServiceDeps, mac: string): LineView[] {
  const device = getDevice(deps, mac);
  return deps.db
    .select({ index: deviceLines.lineIndex, extension: extensions.number })
    .from(deviceLines)
    .innerJoin(extensions, eq(extensions.id, deviceLines.extensionId))
    .where(eq(deviceLines.deviceId, device.id))
    .orderBy(asc(deviceLines.lineIndex))
    .all();
}

/** Replaces all lines of a device, all-or-nothing. */
export function setLines(deps: ServiceDeps, mac: string, lines: LinesInput): LineView[] {
  writeTransaction(deps.db, (tx) => {
    const device = getDevice({ ...deps, db: tx }, mac);
    const model = modelOf(device);
    checkUnique(lines.map((l) => l.index), "line");
    const rows = lines.map((l, i) => {
      const tooHigh = lineIndexProblem(model, l.index);
      if (tooHigh) throw invalidInput(`lines[${i}].index: ${tooHigh}`);
      const ext = tenantExtension(tx, device.tenantId, l.extension, `lines[${i}].extension`);
      return { deviceId: device.id, lineIndex: l.index, extensionId: ext.id };
    });
    const before = getLines({ ...deps, db: tx }, mac);
    tx.delete(deviceLines).where(eq(deviceLines.deviceId, device.id)).run();
    if (rows.length) tx.insert(deviceLines).values(rows).run();
    auditChange(tx, deps, { action: "device.lines", target: `device:${device.mac}`, tenantId: device.tenantId, mac: device.mac, before, after: lines });
  });
  return getLines(deps, mac);
}

export function getKeys(deps: ServiceDeps, mac: string): KeyView[] {
  const device = getDevice(deps, mac);
  const rows = deps.db
    .select({ key: deviceKeys, target: extensions.number })
    .from(deviceKeys)
    .leftJoin(extensions, eq(extensions.id, deviceKeys.targetExtensionId))
    .where(eq(deviceKeys.deviceId, device.id))
    .orderBy(asc(deviceKeys.keyIndex))
    .all();
  return rows.map(({ key, target }) => ({
    index: key.keyIndex,
    kind: key.kind,
    label: key.label,
    line: key.lineIndex,
    value: key.kind === "blf" ? target : key.value,
  }));
}

/** Replaces all keys of a device, all-or-nothing. */
export function setKeys(deps: ServiceDeps, mac: string, keys: readonly KeyInput[]): KeyView[] {
  writeTransaction(deps.db, (tx) => {
    const device = getDevice({ ...deps, db: tx }, mac);
    const model = modelOf(device);
    checkUnique(keys.map((k) => k.index), "key");
    const rows = keys.map((k, i) => {
      const misfit = keyProblem(model, k);
      if (misfit) throw invalidInput(`keys[${i}].${misfit.field}: ${misfit.reason}`);
      const target = k.kind === "blf" ? tenantExtension(tx, device.tenantId, k.value!, `keys[${i}].value`) : null;
      return {
        deviceId: device.id,
        keyIndex: k.index,
        kind: k.kind,
        label: k.label,
        lineIndex: k.line,
        targetExtensionId: target?.id ?? null,
        value: k.kind === "blf" ? null : k.value,
      };
    });
    const before = getKeys({ ...deps, db: tx }, mac);
    tx.delete(deviceKeys).where(eq(deviceKeys.deviceId, device.id)).run();
    if (rows.length) tx.insert(deviceKeys).values(rows).run();
    auditChange(tx, deps, { action: "device.keys", target: `device:${device.mac}`, tenantId: device.tenantId, mac: device.mac, before, after: keys });
  });
  return getKeys(deps, mac);
}
