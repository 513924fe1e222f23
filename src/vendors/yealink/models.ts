import type { ModelInfo } from "../vendor.ts";

export type YealinkFamily = "t3x" | "t4xs" | "t4xu" | "t5x" | "dect";

export interface YealinkModel extends ModelInfo {
  readonly family: YealinkFamily;
  /**
   * The XX of the model's common file `y0000000000XX.cfg`. Several models share one id (T53 and
   * T53W both ask for y000000000095.cfg), so a common file must never depend on the exact model.
   */
  readonly commonFileId: string;
}

/*
 * Sources:
 * - commonFileId: docs vendors.md "Yealink common-file IDs" (FPBX templates + Wazo entry.py + FreePBX EPM);
 *   T44U 173 / T44W 174 are single-source there.
 * - lines (SIP accounts): wazo-platform/wazo-provd-plugins plugins/wazo_yealink/v86/common.py `_NB_SIP_ACCOUNTS`;
 *   T52S/T54S: the account-range comment of the Yealink V84 template as kept in
 *   fusionpbx resources/templates/provision/yealink/t54w/{$mac}.cfg ("T54S…: 1 to 16. T52S…: 1 to 12").
 * - keys (programmable line keys, with page switching, no expansion module): same Wazo file `_NB_LINEKEY`;
 *   T52S from the linekey-range comment of the Yealink V84 template (nethesis/tancredi
 *   data/templates/yealink-MAC_ADDRESS.tmpl: "T52S/T27P/T27G: X ranges from 1 to 21").
 *   ⚠ That comment lists T53W with 27 keys; Wazo says 21 for T53/T53W. We keep 21: a key index
 *   the phone does not have would be ignored, a missing one would be lost.
 * - expansion (modules, keys per module): the "Expansion Key" comment of the Yealink V84 common
 *   template as kept in fusionpbx resources/templates/provision/yealink/t54w/y000000000096.cfg:
 *   "SIP-T54S/T52S: X ranges from 1 to 3, Y ranges from 1 to 60; SIP-T48G/T48S/T46G/T46S: X ranges
 *   from 1 to 6, Y ranges from 1 to 40 ... Only SIP-T54S/T52S/T48G/T48S/T46G/T46S/T29G/T27P/T27G
 *   Models support the parameter." T4xU and T53/T53W/T54W/T57W, which that comment does not name:
 *   wazo-provd-plugins plugins/wazo_yealink/v86 and v87 common.py `_expmod_by_model`: T43U/T46U/T48U
 *   take the EXP43 (`key_count = 60`, `max_daisy_chain = 3`), every T5 model the EXP50 (60 keys,
 *   3 modules). T3x, T42U and T44U/T44W take no module here (no source gives their limits).
 * - W60B / W70B (DECT bases, family `dect`, docs/vendors/yealink.md "DECT bases"): one SIP account
 *   per handset, `lines` = accounts = handsets the base takes: wazo-provd-plugins
 *   plugins/wazo_yealink/v85/common.py `_NB_SIP_ACCOUNTS` 'W60B': 8 and v87/common.py 'W70B': 10;
 *   no line key (`_NB_LINEKEY` 0 for both). ⚠ FusionPBX yealink/w70b/{$mac}.cfg has 8 account
 *   sections: it is a copy of its w60b folder (same y000000000077-style body); Wazo's W70B plugin is
 *   the model's own. Common files 077 / 146: vendors.md "Yealink common-file IDs" (FPBX w60b
 *   y000000000077.cfg, w70b y000000000146.cfg).
 */
/** `expansion_module.X.key.Y.*` ranges of the comment above. */
const EXP_T5X = { maxModules: 3, keysPerModule: 60 } as const;
const EXP_T4XS = { maxModules: 6, keysPerModule: 40 } as const;
/** EXP43 on T43U/T46U/T48U (Wazo v86/v87 `EXP43ExpansionModule`). */
const EXP_T4XU = { maxModules: 3, keysPerModule: 60 } as const;

export const YEALINK_MODELS = {
  T30: { id: "T30", family: "t3x", lines: 1, keys: 0, commonFileId: "127" },
  T30P: { id: "T30P", family: "t3x", lines: 1, keys: 0, commonFileId: "127" },
  T31: { id: "T31", family: "t3x", lines: 2, keys: 2, commonFileId: "123" },
  T31P: { id: "T31P", family: "t3x", lines: 2, keys: 2, commonFileId: "123" },
  T31G: { id: "T31G", family: "t3x", lines: 2, keys: 2, commonFileId: "123" },
  T33P: { id: "T33P", family: "t3x", lines: 4, keys: 12, commonFileId: "124" },
  T33G: { id: "T33G", family: "t3x", lines: 4, keys: 12, commonFileId: "124" },
  T41S: { id: "T41S", family: "t4xs", lines: 6, keys: 15, commonFileId: "068" },
  T42S: { id: "T42S", family: "t4xs", lines: 12, keys: 15, commonFileId: "067" },
  T46S: { id: "T46S", family: "t4xs", lines: 16, keys: 27, commonFileId: "066", expansion: EXP_T4XS },
  T48S: { id: "T48S", family: "t4xs", lines: 16, keys: 29, commonFileId: "065", expansion: EXP_T4XS },
  T42U: { id: "T42U", family: "t4xu", lines: 12, keys: 15, commonFileId: "116" },
  T43U: { id: "T43U", family: "t4xu", lines: 12, keys: 15, commonFileId: "107", expansion: EXP_T4XU },
  T44U: { id: "T44U", family: "t4xu", lines: 12, keys: 24, commonFileId: "173" },
  T44W: { id: "T44W", family: "t4xu", lines: 12, keys: 24, commonFileId: "174" },
  T46U: { id: "T46U", family: "t4xu", lines: 16, keys: 27, commonFileId: "108", expansion: EXP_T4XU },
  T48U: { id: "T48U", family: "t4xu", lines: 16, keys: 29, commonFileId: "109", expansion: EXP_T4XU },
  T52S: { id: "T52S", family: "t5x", lines: 12, keys: 21, commonFileId: "074", expansion: EXP_T5X },
  T54S: { id: "T54S", family: "t5x", lines: 16, keys: 27, commonFileId: "070", expansion: EXP_T5X },
  T53: { id: "T53", family: "t5x", lines: 12, keys: 21, commonFileId: "095", expansion: EXP_T5X },
  T53W: { id: "T53W", family: "t5x", lines: 12, keys: 21, commonFileId: "095", expansion: EXP_T5X },
  T54W: { id: "T54W", family: "t5x", lines: 16, keys: 27, commonFileId: "096", expansion: EXP_T5X },
  T57W: { id: "T57W", family: "t5x", lines: 16, keys: 29, commonFileId: "097", expansion: EXP_T5X },
  W60B: { id: "W60B", family: "dect", lines: 8, keys: 0, commonFileId: "077" },
  W70B: { id: "W70B", family: "dect", lines: 10, keys: 0, commonFileId: "146" },
} as const satisfies Record<string, YealinkModel>;

export type YealinkModelId = keyof typeof YEALINK_MODELS;

export function findModel(id: string): YealinkModel | null {
  return Object.hasOwn(YEALINK_MODELS, id) ? YEALINK_MODELS[id as YealinkModelId] : null;
}

/** Common-file ids in table order, without duplicates. */
export const COMMON_FILE_IDS: readonly string[] = [
  ...new Set(Object.values(YEALINK_MODELS).map((m) => m.commonFileId)),
];

/** Models that ask for `y0000000000<id>.cfg`, in table order. */
export function modelsWithCommonFile(id: string): YealinkModel[] {
  return Object.values(YEALINK_MODELS).filter((m) => m.commonFileId === id);
}

export function commonFileName(id: string): string {
  return `y000000000${id}.cfg`;
}
