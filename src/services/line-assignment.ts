import { conflict, invalidInput } from "../errors.ts";
import type { ServiceDeps } from "./deps.ts";
import { getLines, setLines, type LineView } from "./device-layout.ts";
import { lineIndexProblem } from "./device-rules.ts";
import { getDevice } from "./devices.ts";
import { modelOf } from "./device-rules.ts";
import { getExtension } from "./extensions.ts";
import { getTenant } from "./tenants.ts";

/**
 * Puts one extension on one line of a phone (`phonehome extension assign`): line `index`, replacing
 * what is there, or the first free line. The write is `setLines`, so the API's rules (tenant, allowed
 * devices) and messages apply unchanged; this adds what only a single assignment can get wrong.
 */
export interface LineAssignment {
  readonly index: number;
  /** False when the extension already sat on that line: nothing was written. */
  readonly changed: boolean;
  readonly lines: LineView[];
}

export async function assignExtensionLine(deps: ServiceDeps, tenantName: string, number: string, mac: string, index?: number): Promise<LineAssignment> {
  const device = await getDevice(deps, mac);
  const tenant = getTenant(deps, tenantName);
  getExtension(deps, tenantName, number);
  if (device.tenantId !== tenant.id) throw invalidInput(`${device.mac} is a phone of another tenant, not of ${tenant.name}`);
  const model = modelOf(device);
  if (index !== undefined) {
    if (!Number.isInteger(index) || index < 1) throw invalidInput(`--line: must be a line number from 1 to ${model.lines}`);
    const tooHigh = lineIndexProblem(model, index);
    if (tooHigh) throw invalidInput(`--line: ${tooHigh} (${device.mac}); give --line 1 to ${model.lines}`);
  }
  const lines = await getLines(deps, device.mac);
  const already = lines.find((l) => l.extension === number);
  if (already && (index === undefined || already.index === index)) return { index: already.index, changed: false, lines };
  if (already) {
    throw conflict(`extension ${number} is already on line ${already.index} of ${device.mac}; a phone carries an extension on one line (move it with PUT /devices/${device.mac}/lines)`);
  }
  const used = new Set(lines.map((l) => l.index));
  const target = index ?? Array.from({ length: model.lines }, (_, i) => i + 1).find((i) => !used.has(i));
  if (target === undefined) throw conflict(`all ${model.lines} line(s) of ${device.mac} (${model.id}) are in use; give --line N to replace one`);
  const next = [...lines.filter((l) => l.index !== target), { index: target, extension: number }];
  return { index: target, changed: true, lines: await setLines(deps, device.mac, next) };
}
