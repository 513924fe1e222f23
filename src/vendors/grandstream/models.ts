import type { ModelInfo } from "../vendor.ts";

/** Every model is rendered in the alias form; the P-value form of GXP21xx firmware ≤ 1.0.10 is not served. */
export type GrandstreamFormat = "alias";
export type GrandstreamFamily = "gxp21xx" | "grp26xx";

export interface GrandstreamModel extends ModelInfo {
  readonly family: GrandstreamFamily;
  /** `alias`: `<config version="2">` with `<item name="…">` (vendors.md G2). */
  readonly format: GrandstreamFormat;
  /** SIP accounts of the hardware; `lines` is what this adapter can provision (see below). */
  readonly hardwareAccounts: number;
  /**
   * Fixed VPKs (edited, never added or removed); the dynamic ones after them must be contiguous. On
   * GXP21xx only fixed VPKs take the Line mode (1.0.11.79 template).
   */
  readonly fixedVpks: number;
  /** Virtual multi-purpose keys (on-screen); key indexes 1..vpks address them. */
  readonly vpks: number;
  /** Physical multi-purpose keys; key indexes vpks+1..vpks+mpks address them. */
  readonly mpks: number;
  /** Idle-screen programmable softkeys (`pks.softkey.N.*`), 0 where none is documented. */
  readonly softkeys: number;
}

/*
 * Sources:
 * - GXP21xx format: Grandstream's "Configuration Template for GXP21xx Firmware Version 1.0.11.79"
 *   (kept in fusionpbx resources/templates/provision/grandstream/gxp2140/{$mac}.xml) is the alias
 *   form, `<config version="2">` with `pks.vpk.N.*`; Wazo's 1.0.11.79 plugin renders GXP2130/GXP2135
 *   with the same alias template as the GRP26xx (plugins/wazo_grandstream/common/templates/base_v2.tpl).
 * - GXP21xx VPKs / physical MPKs: that template's notes ("GXP2130, VPK1 to VPK3 are fixed VPK, VPK4 to
 *   VPK12 are dynamic"; 2140: 4 fixed, to 16; 2160: 6 fixed, to 24; 2135: 8 fixed, to 32; 2170: 12 fixed,
 *   to 48; "GXP2130, it has 8 physical MPK", "GXP2160, it has 24 physical MPK"), agreeing with Wazo
 *   common.py MODEL_FKEYS (2130 12/8, 2135 32/0, 2140 16/0, 2160 24/24, 2170 48/0).
 * - GXP21xx line mode: the template's "Key Mode for fixed VPK" list has Line (31), its "Key Mode for
 *   dynamic VPK" list has none, so only fixed VPKs take a line key (`lineKeySlots`).
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
  GXP2130: gxp("GXP2130", 3, 3, 12, 8),
  GXP2135: gxp("GXP2135", 4, 8, 32, 0),
  GXP2140: gxp("GXP2140", 4, 4, 16, 0),
  GXP2160: gxp("GXP2160", 6, 6, 24, 24),
  GXP2170: gxp("GXP2170", 6, 12, 48, 0),
  GRP2612: grp("GRP2612", 2, 4, 16, 0),
  GRP2613: grp("GRP2613", 3, 6, 24, 0),
  GRP2614: grp("GRP2614", 4, 4, 16, 24),
  GRP2615: grp("GRP2615", 5, 5, 40, 0),
  GRP2616: grp("GRP2616", 6, 4, 16, 24),
} as const satisfies Record<string, GrandstreamModel>;

export type GrandstreamModelId = keyof typeof GRANDSTREAM_MODELS;

function gxp(id: string, accounts: number, fixedVpks: number, vpks: number, mpks: number): GrandstreamModel {
  return {
    id,
    family: "gxp21xx",
    format: "alias",
    hardwareAccounts: accounts,
    lines: accounts,
    fixedVpks,
    vpks,
    mpks,
    keys: vpks + mpks,
    // Only fixed VPKs have the Line mode (1.0.11.79 template, see above).
    lineKeySlots: fixedVpks,
    // pks.softkey.1..3 are in the same 1.0.11.79 template.
    softkeys: 3,
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
    // Line keys only on VPKs: MPKs have no line mode (public GRP26xx alias template: "MPKs do NOT
    // support line/sharedline"), so the automatic line keys and the line-key warnings look at VPKs only.
    lineKeySlots: vpks,
    softkeys: 3,
  };
}

export function findModel(id: string): GrandstreamModel | null {
  return Object.hasOwn(GRANDSTREAM_MODELS, id) ? GRANDSTREAM_MODELS[id as GrandstreamModelId] : null;
}
