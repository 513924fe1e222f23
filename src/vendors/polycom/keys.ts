import { DIAL_STRING } from "../../domain/feature-codes.ts";
import type { KeyConfig, PhoneConfig, SoftkeyConfig } from "../../domain/phone-config.ts";
import { withLineKeys } from "../shared/line-keys.ts";
import type { PolycomModel } from "./models.ts";

/**
 * Key layout (vendors.md P4). With `lineKey.reassignment.enabled` every line key gets a
 * `lineKey.N.category`:
 * - line → `Line`, index = registration number;
 * - blf → `BLF`, index 0 ("next BLF"), backed by `attendant.resourceList.M.*` in key order;
 * - speed_dial / park / feature → `EFK`, index = `efk.efklist.M` macro: Polycom has no
 *   unsupervised speed-dial key type (Wazo common.py), so these keys run an Enhanced Feature Key
 *   macro (`<digits>$Tinvite$` dials, `<digits>$Trefer$` transfers the active call, P4 tokens);
 * - gaps → `Unassigned`.
 */
export interface LineKeyRow { readonly n: number; readonly category: string; readonly index: number }
export interface BlfRow { readonly n: number; readonly address: string; readonly label: string }
export interface EfkRow { readonly n: number; readonly mname: string; readonly label: string; readonly action: string }
export interface SoftkeyRow {
  readonly n: number;
  readonly label: string;
  readonly action: string;
  readonly useIdle: string;
  readonly useActive: string;
}

export interface KeyTables {
  readonly lineKeys: readonly LineKeyRow[];
  readonly blf: readonly BlfRow[];
  readonly efk: readonly EfkRow[];
}

function efkAction(key: KeyConfig): string | null {
  switch (key.kind) {
    case "speed_dial":
      return DIAL_STRING.test(key.number) ? `${key.number}$Tinvite$` : null;
    case "feature":
      return DIAL_STRING.test(key.code) ? `${key.code}$Tinvite$` : null;
    case "park":
      // Park is a transfer of the active call to the park code (`***`, seed star codes).
      return DIAL_STRING.test(key.code) ? `${key.code}$Trefer$` : null;
    default:
      return null;
  }
}

/**
 * With no key configured nothing is written and the phone keeps its default layout, registrations
 * first (vendors.md P4). Once keys are configured, `lineKey.reassignment.enabled` makes every key
 * follow the table, so each registration keeps a Line key unless a `none` key gives it away
 * (src/vendors/shared/line-keys.ts): a layout of BLFs alone would otherwise leave the line "Unassigned".
 */
export function buildKeyTables(config: PhoneConfig, model: PolycomModel, lineCount: number): KeyTables {
  const configured = config.keys.filter((k) => k.index >= 1 && k.index <= model.keys);
  if (configured.length === 0) return { lineKeys: [], blf: [], efk: [] };
  const lines = config.lines.filter((l) => l.index >= 1 && l.index <= lineCount);
  const byIndex = new Map(withLineKeys(configured, lines, model.lineKeySlots ?? model.keys).map((k) => [k.index, k]));
  const lineKeys: LineKeyRow[] = [];
  const blf: BlfRow[] = [];
  const efk: EfkRow[] = [];
  for (let n = 1; n <= model.keys; n++) {
    const key = byIndex.get(n);
    if (key?.kind === "line" && key.line <= lineCount) {
      lineKeys.push({ n, category: "Line", index: key.line });
    } else if (key?.kind === "blf" && DIAL_STRING.test(key.target)) {
      blf.push({ n: blf.length + 1, address: key.target, label: key.label });
      lineKeys.push({ n, category: "BLF", index: 0 });
    } else if (key && efkAction(key)) {
      const m = efk.length + 1;
      efk.push({ n: m, mname: `phonehome${m}`, label: key.label, action: efkAction(key)! });
      lineKeys.push({ n, category: "EFK", index: m });
    } else {
      lineKeys.push({ n, category: "Unassigned", index: 0 });
    }
  }
  return { lineKeys, blf, efk };
}

/**
 * Custom soft keys (`softkey.N.*`, P4): each dials a tenant star code with `$Tinvite$` on the idle
 * screen; park instead transfers the active call (`$Trefer$`) and shows during a call.
 */
export function buildSoftkeys(softkeys: readonly SoftkeyConfig[]): SoftkeyRow[] {
  return softkeys
    .filter((s) => DIAL_STRING.test(s.code))
    .map((s, i) => {
      const park = s.feature === "park";
      return {
        n: i + 1,
        label: s.label,
        action: `${s.code}${park ? "$Trefer$" : "$Tinvite$"}`,
        useIdle: park ? "0" : "1",
        useActive: park ? "1" : "0",
      };
    });
}
