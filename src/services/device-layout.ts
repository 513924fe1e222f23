import { asc, eq } from "drizzle-orm";
import { auditChange } from "./actor.ts";
import { writeTransaction } from "../db/client.ts";
import { deviceGroupKeys, deviceKeys, deviceLines, extensions } from "../db/schema.ts";
import type { KeyKind } from "../domain/phone-config.ts";
import { assertExtensionAllowedOnDevice } from "./endpoint-policy.ts";
import { assertKeysFitSync } from "./key-checks-sync.ts";
import { deviceOwnSpecsSync } from "./key-expansion-sync.ts";
import { checkUniqueIndexes, resolveKeyInputs } from "./key-inputs.ts";
import { invalidInput } from "../errors.ts";
import type { ServiceDeps } from "./deps.ts";
import { keyLimitsOf, lineIndexProblem, modelOf } from "./device-rules.ts";
import { refuseWhileSignedIn } from "../hot-desk/desk-state.ts";
import { getDevice, tenantExtension } from "./devices.ts";
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

const checkUnique = checkUniqueIndexes;

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
    refuseWhileSignedIn(tx, device, "lines");
    const model = modelOf(device);
    checkUnique(lines.map((l) => l.index), "line");
    const rows = lines.map((l, i) => {
      const tooHigh = lineIndexProblem(model, l.index);
      if (tooHigh) throw invalidInput(`lines[${i}].index: ${tooHigh}`);
      const ext = tenantExtension(tx, device.tenantId, l.extension, `lines[${i}].extension`);
      assertExtensionAllowedOnDevice(tx, ext, device, `lines[${i}].extension`);
      return { deviceId: device.id, lineIndex: l.index, extensionId: ext.id };
    });
    const before = getLines({ ...deps, db: tx }, mac);
    tx.delete(deviceLines).where(eq(deviceLines.deviceId, device.id)).run();
    if (rows.length) tx.insert(deviceLines).values(rows).run();
    auditChange(tx, deps, { action: "device.lines", target: `device:${device.mac}`, tenantId: device.tenantId, mac: device.mac, before, after: lines });
    // The phone's own lines leave group expansions: the keys may now fit differently.
    assertKeysFitSync(tx, [device.id], "lines");
  });
  return getLines(deps, mac);
}

export function getKeys(deps: ServiceDeps, mac: string): KeyView[] {
  const device = getDevice(deps, mac);
  return deviceOwnSpecsSync(deps.db, device.id).map((k) => ({ index: k.index, kind: k.kind, label: k.label, line: k.line, value: k.value }));
}

/** Replaces all keys of a device, all-or-nothing; the effective keys (layout, groups) must fit. */
export function setKeys(deps: ServiceDeps, mac: string, keys: readonly KeyInput[]): KeyView[] {
  writeTransaction(deps.db, (tx) => {
    const device = getDevice({ ...deps, db: tx }, mac);
    refuseWhileSignedIn(tx, device, "keys");
    const before = getKeys({ ...deps, db: tx }, mac);
    const resolved = resolveKeyInputs(tx, device.tenantId, keys, keyLimitsOf(device));
    tx.delete(deviceKeys).where(eq(deviceKeys.deviceId, device.id)).run();
    tx.delete(deviceGroupKeys).where(eq(deviceGroupKeys.deviceId, device.id)).run();
    const plain = resolved.filter((k) => k.kind !== "blf_group");
    const grouped = resolved.filter((k) => k.kind === "blf_group");
    if (plain.length) {
      tx.insert(deviceKeys)
        .values(plain.map((k) => ({ deviceId: device.id, keyIndex: k.index, kind: k.kind as KeyKind, label: k.label, lineIndex: k.line, targetExtensionId: k.targetExtensionId, value: k.value })))
        .run();
    }
    if (grouped.length) {
      tx.insert(deviceGroupKeys)
        .values(grouped.map((k) => ({ deviceId: device.id, keyIndex: k.index, groupId: k.groupId!, label: k.label, lineIndex: k.line })))
        .run();
    }
    assertKeysFitSync(tx, [device.id], "keys");
    auditChange(tx, deps, { action: "device.keys", target: `device:${device.mac}`, tenantId: device.tenantId, mac: device.mac, before, after: keys });
  });
  return getKeys(deps, mac);
}
