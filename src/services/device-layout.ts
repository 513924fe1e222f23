import { asc, eq } from "drizzle-orm";
import type { Query } from "../db/data.ts";
import { auditChangeIn } from "./actor.ts";
import type { KeyKind } from "../domain/phone-config.ts";
import { assertExtensionAllowedOnDeviceIn } from "./endpoint-policy.ts";
import { assertKeysFit } from "./key-checks.ts";
import { deviceOwnSpecs } from "./key-expansion.ts";
import { checkUniqueIndexes, resolveKeyInputs } from "./key-inputs.ts";
import { invalidInput } from "../errors.ts";
import type { ServiceDeps } from "./deps.ts";
import { keyLimitsOf, lineIndexProblem, modelOf } from "./device-rules.ts";
import { refuseWhileSignedIn } from "../hot-desk/desk-state.ts";
import { loadDevice, tenantExtension } from "./devices.ts";
import type { KeyInput, LinesInput } from "./schemas.ts";

/** A device's lines (account index -> extension) and programmable keys, on the asynchronous handle. */

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

/** The lines of a device (by id), in the caller's `q`. */
export async function linesOf(q: Query, deviceId: number): Promise<LineView[]> {
  const { deviceLines, extensions } = q.t;
  return q.db
    .select({ index: deviceLines.lineIndex, extension: extensions.number })
    .from(deviceLines)
    .innerJoin(extensions, eq(extensions.id, deviceLines.extensionId))
    .where(eq(deviceLines.deviceId, deviceId))
    .orderBy(asc(deviceLines.lineIndex));
}

export function getLines(deps: ServiceDeps, mac: string): Promise<LineView[]> {
  return deps.data.read(async (q) => linesOf(q, (await loadDevice(q, mac)).id));
}

// Every write below reads the device, its hot-desk state and what it replaces, then writes:
// serializable on PostgreSQL (the default), so a concurrent sign-in or edit cannot slip between
// the checks and the write (docs/scale-out.md#transactions).

/** Replaces all lines of a device, all-or-nothing. */
export async function setLines(deps: ServiceDeps, mac: string, lines: LinesInput): Promise<LineView[]> {
  return deps.data.write(async (q) => {
    const { deviceLines } = q.t;
    const device = await loadDevice(q, mac);
    await refuseWhileSignedIn(q, device, "lines");
    const model = modelOf(device);
    checkUnique(lines.map((l) => l.index), "line");
    const rows: { deviceId: number; lineIndex: number; extensionId: number }[] = [];
    for (const [i, l] of lines.entries()) {
      const tooHigh = lineIndexProblem(model, l.index);
      if (tooHigh) throw invalidInput(`lines[${i}].index: ${tooHigh}`);
      const ext = await tenantExtension(q, device.tenantId, l.extension, `lines[${i}].extension`);
      await assertExtensionAllowedOnDeviceIn(q, ext, device, `lines[${i}].extension`);
      rows.push({ deviceId: device.id, lineIndex: l.index, extensionId: ext.id });
    }
    const before = await linesOf(q, device.id);
    await q.db.delete(deviceLines).where(eq(deviceLines.deviceId, device.id));
    if (rows.length) await q.db.insert(deviceLines).values(rows);
    await auditChangeIn(q, deps, { action: "device.lines", target: `device:${device.mac}`, tenantId: device.tenantId, mac: device.mac, before, after: lines });
    // The phone's own lines leave group expansions: the keys may now fit differently.
    await assertKeysFit(q, [device.id], "lines");
    return linesOf(q, device.id);
  });
}

/** The device's own keys (by id) as the API shows them, in the caller's `q`. */
export async function keysOf(q: Query, deviceId: number): Promise<KeyView[]> {
  return (await deviceOwnSpecs(q, deviceId)).map((k) => ({ index: k.index, kind: k.kind, label: k.label, line: k.line, value: k.value }));
}

export function getKeys(deps: ServiceDeps, mac: string): Promise<KeyView[]> {
  return deps.data.read(async (q) => keysOf(q, (await loadDevice(q, mac)).id));
}

/** Replaces all keys of a device, all-or-nothing; the effective keys (layout, groups) must fit. */
export async function setKeys(deps: ServiceDeps, mac: string, keys: readonly KeyInput[]): Promise<KeyView[]> {
  return deps.data.write(async (q) => {
    const { deviceKeys, deviceGroupKeys } = q.t;
    const device = await loadDevice(q, mac);
    await refuseWhileSignedIn(q, device, "keys");
    const before = await keysOf(q, device.id);
    const resolved = await resolveKeyInputs(q, device.tenantId, keys, keyLimitsOf(device));
    await q.db.delete(deviceKeys).where(eq(deviceKeys.deviceId, device.id));
    await q.db.delete(deviceGroupKeys).where(eq(deviceGroupKeys.deviceId, device.id));
    const plain = resolved.filter((k) => k.kind !== "blf_group");
    const grouped = resolved.filter((k) => k.kind === "blf_group");
    if (plain.length) {
      await q.db
        .insert(deviceKeys)
        .values(plain.map((k) => ({ deviceId: device.id, keyIndex: k.index, kind: k.kind as KeyKind, label: k.label, lineIndex: k.line, targetExtensionId: k.targetExtensionId, value: k.value })));
    }
    if (grouped.length) {
      await q.db.insert(deviceGroupKeys).values(grouped.map((k) => ({ deviceId: device.id, keyIndex: k.index, groupId: k.groupId!, label: k.label, lineIndex: k.line })));
    }
    await assertKeysFit(q, [device.id], "keys");
    await auditChangeIn(q, deps, { action: "device.keys", target: `device:${device.mac}`, tenantId: device.tenantId, mac: device.mac, before, after: keys });
    return keysOf(q, device.id);
  });
}
