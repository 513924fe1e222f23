import type { KeyConfig, LineConfig, SoftkeyConfig } from "../../domain/phone-config.ts";
import { withLineKeys } from "../shared/line-keys.ts";
import type { KeyKind } from "../../domain/phone-config.ts";
import type { ModelInfo } from "../vendor.ts";
import { findModel, type GrandstreamModel } from "./models.ts";

/** A `pks.<section>.<n>.*` key; `account` etc. are absent for a key that is only cleared. */
export interface AliasKey {
  readonly section: "vpk" | "mpk";
  readonly n: number;
  readonly keyMode: string;
  readonly details: { readonly account: string; readonly description: string; readonly value: string } | null;
}

export interface AliasSoftkey {
  readonly n: number;
  readonly keyMode: string;
  readonly details: { readonly account: string; readonly description: string; readonly value: string } | null;
}

function valueOf(key: KeyConfig): string {
  switch (key.kind) {
    case "line":
    case "none":
      return "";
    case "blf":
      return key.target;
    case "speed_dial":
      return key.number;
    case "park":
    case "feature":
      return key.code;
  }
}

/**
 * The last VPK to write: the fixed ones and every assigned one, plus one trailing "None". Dynamic
 * VPKs must be contiguous (vendors.md G4), so that None ends the list and clears keys a previous
 * configuration left behind it.
 */
function lastIndex(assigned: readonly KeyConfig[], fixed: number, capacity: number): number {
  const highest = assigned.reduce((max, k) => Math.max(max, k.index), 0);
  return Math.min(Math.max(highest, fixed) + 1, capacity);
}

function inRange(keys: readonly KeyConfig[], from: number, to: number): KeyConfig[] {
  return keys.filter((k) => k.index >= from && k.index <= to);
}

// keyMode words: vendors.md G4 list; `Line` for a line key as Wazo FUNCKEY_TYPES writes it.
function aliasModeOf(key: KeyConfig, section: "vpk" | "mpk"): string {
  switch (key.kind) {
    case "line":
      // MPKs have no line mode (public GRP26xx alias template: "MPKs do NOT support line/sharedline").
      return section === "vpk" ? "Line" : "None";
    case "none":
      return "None";
    case "blf":
      return "BLF";
    case "park":
      return "CallPark";
    case "speed_dial":
    case "feature":
      return "SpeedDial";
  }
}

// VPK account is the 0-based index, MPK account `AccountN` (Wazo base_v2.tpl; vendors.md G4 ⚠).
function aliasAccount(section: "vpk" | "mpk", line: number): string {
  return section === "vpk" ? String(line - 1) : `Account${line}`;
}

/**
 * Line keys written `None`: on a physical MPK (public GRP26xx alias template: "MPKs do NOT support
 * line/sharedline") and on a GXP21xx dynamic VPK (1.0.11.79 template: Line only in the fixed-VPK
 * list). The vendor's `unrenderedKey`, so the admin API warns about them
 * (src/services/unrendered-key-warnings.ts). `key.index` is the key index (VPKs, then MPKs).
 */
export function grandstreamUnrenderedKey(model: ModelInfo, key: { readonly index: number; readonly kind: KeyKind }): string | null {
  const gs = findModel(model.id);
  if (!gs || key.kind !== "line") return null;
  const slots = gs.lineKeySlots ?? gs.vpks;
  if (key.index > gs.vpks) {
    return `key ${key.index} is a physical MPK of the ${gs.id} and MPKs have no line mode, so it is written None; line keys go on VPKs 1-${slots}`;
  }
  if (key.index > slots) {
    return `only the fixed VPKs 1-${slots} of the ${gs.id} take the Line mode, so VPK ${key.index} is written None`;
  }
  return null;
}

function aliasKey(section: "vpk" | "mpk", n: number, key: KeyConfig, model: GrandstreamModel): AliasKey {
  const keyMode = grandstreamUnrenderedKey(model, key) ? "None" : aliasModeOf(key, section);
  if (keyMode === "None") return { section, n, keyMode, details: null };
  return { section, n, keyMode, details: { account: aliasAccount(section, key.line), description: key.label, value: valueOf(key) } };
}

/**
 * Key indexes 1..vpks are VPKs, the next mpks the physical MPKs (Wazo `_add_v2_fkeys` numbering).
 * keyMode words of the 1.0.11.79 / GRP261x templates' lists: None (-1), SpeedDial (0), BLF (1),
 * CallPark (9), Line (31); written as words, as Wazo base_v2.tpl does, so no firmware's numeric table
 * can be misread (the P-value form of firmware ≤ 1.0.10 numbered fixed VPKs 0 line, 10 speed dial,
 * 11 BLF, 19 park: FPBX gxp2140 at fw 1.0.10.35).
 */
export function aliasKeys(keys: readonly KeyConfig[], model: GrandstreamModel, lines: readonly LineConfig[]): AliasKey[] {
  const lineSlots = model.lineKeySlots ?? model.vpks;
  const placed = withLineKeys(inRange(keys, 1, model.vpks), lines, lineSlots);
  const vpks = new Map(placed.map((k) => [k.index, k]));
  const out: AliasKey[] = [];
  for (let n = 1; n <= lastIndex([...vpks.values()], model.fixedVpks, model.vpks); n++) {
    const key = vpks.get(n);
    out.push(key ? aliasKey("vpk", n, key, model) : { section: "vpk", n, keyMode: "None", details: null });
  }
  const mpks = new Map(inRange(keys, model.vpks + 1, model.keys).map((k) => [k.index - model.vpks, k]));
  for (let n = 1; n <= model.mpks; n++) {
    const key = mpks.get(n);
    out.push(key ? aliasKey("mpk", n, key, model) : { section: "mpk", n, keyMode: "None", details: null });
  }
  return out;
}

/** Idle-screen softkeys, each a Speed Dial of a tenant code on account 1; free slots back to Default. */
export function aliasSoftkeys(softkeys: readonly SoftkeyConfig[], count: number): AliasSoftkey[] {
  const out: AliasSoftkey[] = [];
  for (let n = 1; n <= count; n++) {
    const sk = softkeys[n - 1];
    out.push(sk ? { n, keyMode: "SpeedDial", details: { account: "0", description: sk.label, value: sk.code } } : { n, keyMode: "Default", details: null });
  }
  return out;
}
