import type { ModelInfo } from "../vendor.ts";

export type GrandstreamFormat = "pvalue" | "alias";
export type GrandstreamFamily = "gxp21xx" | "grp26xx";

export interface GrandstreamModel extends ModelInfo {
  readonly family: GrandstreamFamily;
  /** `pvalue`: `<config version="1">` with `<P47>`…; `alias`: `<config version="2">` with `<item name="…">` (vendors.md G2). */
  readonly format: GrandstreamFormat;
  /** SIP accounts of the hardware; `lines` is what this adapter can provision (see below). */
  readonly hardwareAccounts: number;
  /**
   * GXP21xx: line-key VPKs that accept the "line" key-mode table (0 Default, 10 Speed Dial, 11 BLF,
   * 19 Call Park); the VPKs after them are "dynamic" and use the MPK table (0, 1, 9).
   * GRP26xx: fixed VPKs (vendors.md G4), informational.
   */
  readonly fixedVpks: number;
  /** Virtual multi-purpose keys (on-screen); key indexes 1..vpks address them. */
  readonly vpks: number;
  /** Physical multi-purpose keys; key indexes vpks+1..vpks+mpks address them (GRP26xx only). */
  readonly mpks: number;
  /** Idle-screen programmable softkeys (`pks.softkey.N.*`), 0 where none is documented. */
  readonly softkeys: number;
}

/** The legacy P-value account layout documented for accounts 1..4 only (vendors.md G2). */
export const PVALUE_MAX_ACCOUNTS = 4;
/** VPKs addressable with the P-value formulas of the FPBX GXP21xx template (1..48). */
export const GXP_MAX_VPKS = 48;

/*
 * Sources:
 * - GXP21xx accounts: FPBX `grandstream/gxp2140/{$mac}.xml` (template for GXP2130/2140/2160/2170/2135,
 *   fw 1.0.10.35): "Account 4 - GXP2140/2160/2170/2135 only", "Account 5 - GXP2160/2170 only".
 *   P-value layout here is the one of vendors.md G2 (accounts 1..4: base, P4xx, P5xx, P6xx), so
 *   `lines` is capped at 4 even where the hardware has more (accounts 5+ use P17xx/P18xx, not used).
 * - GXP21xx fixed VPKs: same FPBX file, "2130=3fixed 2140=4fixed 2160=6fixed 2170=12fixed 2135=8fixed";
 *   VPKs 1..6 at P1363+2(n-1) and 7..48 at P23800+4(n-7) ("line 7 to 48 are sequential starting at 23800").
 * - GRP26xx VPK/MPK counts: Wazo `plugins/wazo_grandstream/common/common.py` MODEL_FKEYS
 *   (GRP2612 16/0, GRP2613 24/0, GRP2614 16/24, GRP2615 40/0, GRP2616 16/24).
 * - GRP26xx fixed VPKs: vendors.md G4 (GRP2612/2614: 4, GRP2615: 5, GRP2613: 6; GRP2616 not stated).
 * - GRP26xx accounts: Grandstream model naming (GRP261x = x SIP accounts); the public GRP26xx alias
 *   template used to confirm names lists "Account1 - Account6". Not individually verified per model.
 * - GRP26xx idle softkeys: 3 (`pks.softkey.1..3`, public GRP26xx alias template, vendors.md G4 names).
 */
export const GRANDSTREAM_MODELS = {
  GXP2130: gxp("GXP2130", 3, 3),
  GXP2135: gxp("GXP2135", 4, 8),
  GXP2140: gxp("GXP2140", 4, 4),
  GXP2160: gxp("GXP2160", 6, 6),
  GXP2170: gxp("GXP2170", 6, 12),
  GRP2612: grp("GRP2612", 2, 4, 16, 0),
  GRP2613: grp("GRP2613", 3, 6, 24, 0),
  GRP2614: grp("GRP2614", 4, 4, 16, 24),
  GRP2615: grp("GRP2615", 5, 5, 40, 0),
  GRP2616: grp("GRP2616", 6, 4, 16, 24),
} as const satisfies Record<string, GrandstreamModel>;

export type GrandstreamModelId = keyof typeof GRANDSTREAM_MODELS;

function gxp(id: string, hardwareAccounts: number, fixedVpks: number): GrandstreamModel {
  return {
    id,
    family: "gxp21xx",
    format: "pvalue",
    hardwareAccounts,
    lines: Math.min(hardwareAccounts, PVALUE_MAX_ACCOUNTS),
    fixedVpks,
    vpks: GXP_MAX_VPKS,
    mpks: 0,
    keys: GXP_MAX_VPKS,
    // Only fixed VPKs take the line mode (FPBX gxp2140: dynamic VPKs use the MPK table).
    lineKeySlots: fixedVpks,
    softkeys: 0,
  };
}

function grp(id: string, accounts: number, fixedVpks: number, vpks: number, mpks: number): GrandstreamModel {
  return {
    id,
    family: "grp26xx",
    format: "alias",
    hardwareAccounts: accounts,
    lines: accounts,
    fixedVpks,
    vpks,
    mpks,
    keys: vpks + mpks,
    softkeys: 3,
  };
}

export function findModel(id: string): GrandstreamModel | null {
  return Object.hasOwn(GRANDSTREAM_MODELS, id) ? GRANDSTREAM_MODELS[id as GrandstreamModelId] : null;
}
