import type { KeyConfig, LineConfig, SoftkeyConfig } from "../../domain/phone-config.ts";
import { withLineKeys } from "../shared/line-keys.ts";
import type { GrandstreamModel } from "./models.ts";
import { DYNAMIC_VPK_OFFSET, FIXED_VPK_MODE, vpkPValues } from "./pvalues.ts";

/** One P-value parameter of a GXP21xx VPK; `value` null prints nothing for it. */
export interface PParam {
  readonly p: string;
  readonly value: string;
}

/** A GXP21xx VPK as a list of P-values (mode first). */
export interface PValueKey {
  readonly index: number;
  readonly params: readonly PParam[];
}

/** A GRP26xx `pks.<section>.<n>.*` key; `account` etc. are absent for a key that is only cleared. */
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

function fixedModeOf(key: KeyConfig): number {
  switch (key.kind) {
    case "line":
      return FIXED_VPK_MODE.line;
    case "none":
      return FIXED_VPK_MODE.none;
    case "blf":
      return FIXED_VPK_MODE.blf;
    case "park":
      return FIXED_VPK_MODE.callPark;
    case "speed_dial":
    case "feature":
      // A feature key dials its star code: Speed Dial with the code as value.
      return FIXED_VPK_MODE.speedDial;
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

/**
 * GXP21xx VPKs 1..n. Fixed (line-key) VPKs take the line table; dynamic ones the MPK table, which
 * has no "line" mode, so a line key there becomes None. Each account keeps a line key on a fixed
 * VPK unless a `none` key gives it away (src/vendors/shared/line-keys.ts); other unassigned VPKs are None.
 */
export function pvalueKeys(keys: readonly KeyConfig[], model: GrandstreamModel, lines: readonly LineConfig[]): PValueKey[] {
  const placed = withLineKeys(inRange(keys, 1, model.vpks), lines, model.lineKeySlots ?? model.vpks);
  const byIndex = new Map(placed.map((k) => [k.index, k]));
  const out: PValueKey[] = [];
  const last = lastIndex([...byIndex.values()], model.fixedVpks, model.vpks);
  for (let n = 1; n <= last; n++) {
    const p = vpkPValues(n);
    const key = byIndex.get(n);
    const fixed = n <= model.fixedVpks;
    if (!key || key.kind === "none") {
      out.push({ index: n, params: [{ p: p.mode, value: String(FIXED_VPK_MODE.none) }] });
      continue;
    }
    let mode = fixedModeOf(key);
    if (!fixed) mode = key.kind === "line" ? FIXED_VPK_MODE.none : mode - DYNAMIC_VPK_OFFSET;
    out.push({ index: n, params: params(p, mode, key.line - 1, key.label, valueOf(key)) });
  }
  return out;
}

function params(p: ReturnType<typeof vpkPValues>, mode: number, account: number, label: string, value: string): PParam[] {
  return [
    { p: p.mode, value: String(mode) },
    { p: p.account, value: String(account) },
    { p: p.label, value: label },
    { p: p.value, value },
  ];
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

function aliasKey(section: "vpk" | "mpk", n: number, key: KeyConfig): AliasKey {
  const keyMode = aliasModeOf(key, section);
  if (keyMode === "None") return { section, n, keyMode, details: null };
  return { section, n, keyMode, details: { account: aliasAccount(section, key.line), description: key.label, value: valueOf(key) } };
}

/** GRP26xx: key indexes 1..vpks are VPKs, the next mpks are MPKs (Wazo `_add_v2_fkeys` numbering). */
export function aliasKeys(keys: readonly KeyConfig[], model: GrandstreamModel, lines: readonly LineConfig[]): AliasKey[] {
  const placed = withLineKeys(inRange(keys, 1, model.vpks), lines, model.lineKeySlots ?? model.vpks);
  const vpks = new Map(placed.map((k) => [k.index, k]));
  const out: AliasKey[] = [];
  for (let n = 1; n <= lastIndex([...vpks.values()], model.fixedVpks, model.vpks); n++) {
    const key = vpks.get(n);
    out.push(key ? aliasKey("vpk", n, key) : { section: "vpk", n, keyMode: "None", details: null });
  }
  const mpks = new Map(inRange(keys, model.vpks + 1, model.keys).map((k) => [k.index - model.vpks, k]));
  for (let n = 1; n <= model.mpks; n++) {
    const key = mpks.get(n);
    out.push(key ? aliasKey("mpk", n, key) : { section: "mpk", n, keyMode: "None", details: null });
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
