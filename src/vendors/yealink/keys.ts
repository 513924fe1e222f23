import type { KeyConfig, LineConfig, SoftkeyConfig } from "../../domain/phone-config.ts";
import { keyLimits, keySlot } from "../key-capacity.ts";
import type { YealinkModel } from "./models.ts";

/**
 * Line-key type codes (vendors.md Y4, agreed by FPBX app_config.php and tancredi): 0 none,
 * 10 call park, 13 speed dial, 15 line, 16 BLF. A feature key is a speed dial of the star code.
 */
const LINEKEY_TYPE = { none: "0", park: "10", speedDial: "13", line: "15", blf: "16" } as const;

/** Wazo writes `%NULL%` to clear a value (vendors.md Y2): a key removed on the server is cleared on the phone. */
const NULL_VALUE = "%NULL%";

/** One `linekey.N.*` group; every field is written so a stale value never survives on the phone. */
export interface LineKeyContext {
  readonly index: string;
  readonly type: string;
  readonly line: string;
  readonly value: string;
  readonly label: string;
  /**
   * BLF directed-pickup prefix. On V8x the BLF pickup code is `linekey.N.extension` (Yealink V84
   * template key list, as kept in tancredi yealink-MAC_ADDRESS.tmpl, has no `pickup_value`; Wazo
   * v86 common.py `_format_funckey_blf` writes the pickup code to `.extension`). `pickup_value` only
   * appears on V7x `memorykey.N.*`. The phone dials this prefix followed by `value` (Yeastar's
   * Yealink BLF guide: Extension "*04" + Value "705" picks up 705).
   */
  readonly extension: string;
}

export interface SoftkeyContext {
  readonly index: string;
  readonly type: string;
  readonly value: string;
  readonly label: string;
}

/** Idle-screen soft keys that take a label: `programablekey.1`-`4` (vendors.md Y4). */
const SOFTKEY_SLOTS = 4;

function lineValue(key: KeyConfig & { kind: "line" }, lines: readonly LineConfig[]): string {
  return lines.find((l) => l.index === key.line)?.extension ?? key.label;
}

function assignedKey(key: KeyConfig, lines: readonly LineConfig[]): LineKeyContext {
  const base = { index: String(key.index), line: String(key.line), label: key.label, extension: NULL_VALUE };
  switch (key.kind) {
    case "line":
      return { ...base, type: LINEKEY_TYPE.line, value: lineValue(key, lines) };
    case "blf":
      return { ...base, type: LINEKEY_TYPE.blf, value: key.target, extension: key.pickupPrefix };
    case "speed_dial":
      return { ...base, type: LINEKEY_TYPE.speedDial, value: key.number };
    case "park":
      return { ...base, type: LINEKEY_TYPE.park, value: key.code };
    case "feature":
      return { ...base, type: LINEKEY_TYPE.speedDial, value: key.code };
    case "none":
      return emptyKey(key.index);
  }
}

function emptyKey(index: number): LineKeyContext {
  const v = NULL_VALUE;
  return { index: String(index), type: LINEKEY_TYPE.none, line: v, value: v, label: v, extension: v };
}

/** Keys 1..model.keys: the configured ones, the others cleared. Keys beyond the model are dropped. */
export function buildLineKeys(model: YealinkModel, keys: readonly KeyConfig[], lines: readonly LineConfig[]): LineKeyContext[] {
  const byIndex = new Map(keys.map((k) => [k.index, k]));
  const out: LineKeyContext[] = [];
  for (let i = 1; i <= model.keys; i++) {
    const key = byIndex.get(i);
    out.push(key ? assignedKey(key, lines) : emptyKey(i));
  }
  return out;
}

/** One `expansion_module.M.key.N.*` group: the same fields and type codes as a line key (vendors.md Y4). */
export interface ExpansionKeyContext extends LineKeyContext {
  readonly module: string;
}

/**
 * Keys of the attached expansion modules: key index ownKeys+1.. goes to module 1 key 1, and so on
 * (src/vendors/key-capacity.ts). Every key of every attached module is written, unassigned ones
 * cleared, like the line keys. Parameter names and ranges: the Yealink V84 template's "Expansion Key"
 * section (fusionpbx yealink/t54w/y000000000096.cfg: `expansion_module.X.key.Y.{type,line,value,
 * extension,label}`), see src/vendors/yealink/models.ts for the per-model ranges.
 */
export function buildExpansionKeys(model: YealinkModel, modules: number, keys: readonly KeyConfig[], lines: readonly LineConfig[]): ExpansionKeyContext[] {
  const limits = keyLimits(model, modules);
  const byIndex = new Map(keys.map((k) => [k.index, k]));
  const out: ExpansionKeyContext[] = [];
  for (let i = limits.ownKeys + 1; i <= limits.capacity; i++) {
    const slot = keySlot(limits, i);
    const key = byIndex.get(i);
    const ctx = key ? assignedKey(key, lines) : emptyKey(i);
    out.push({ ...ctx, index: String(slot.key), module: String(slot.module) });
  }
  return out;
}

/**
 * The first four softkeys in display order, each a speed dial (type 13) of its star code. The
 * remaining standard ones stay reachable: DND and forward codes are also the accounts' on/off codes
 * (sent by the phone's own DND / Forward functions), voicemail is the Message key
 * (`voice_mail.number.X`), park can be a park line key. These four replace the phone's default idle
 * soft keys (History, Directory, DND, Menu): see docs/vendors/yealink.md "Soft keys".
 */
export function buildSoftkeys(softkeys: readonly SoftkeyConfig[]): SoftkeyContext[] {
  return softkeys.slice(0, SOFTKEY_SLOTS).map((s, i) => ({
    index: String(i + 1),
    type: LINEKEY_TYPE.speedDial,
    value: s.code,
    label: s.label,
  }));
}
