import { DIAL_STRING } from "../../domain/feature-codes.ts";
import type { KeyConfig, KeyKind, PhoneConfig, SoftkeyConfig } from "../../domain/phone-config.ts";
import { withLineKeys } from "../shared/line-keys.ts";
import type { ModelInfo } from "../vendor.ts";
import type { PolycomModel } from "./models.ts";

/**
 * Key layout (vendors.md P4). With `lineKey.reassignment.enabled` every line key gets a
 * `lineKey.N.category`:
 * - line → `Line`, index = registration number;
 * - blf → `BLF`, index 0 ("next BLF"), backed by `attendant.resourceList.M.*` in key order;
 * - speed_dial / feature → `SpeedDial`, index = the speed-dial number `<sd>` of an entry of the
 *   phone's contact directory `<mac>-directory.xml` (vendors.md P4 "Speed dials: from the contact
 *   directory (`<sd>` index)"; category and 1-based index as written by the FreePBX Polycom module,
 *   excaliburpartners/polycomphones provisioning/device.php). The entry calls the number or the
 *   star code; Polycom has no other unsupervised speed-dial key (Wazo common.py);
 * - park → `Unassigned`: a speed dial would place a new call, not park the active one, and the
 *   `EFK` line-key category some third-party tools write is in no Poly guide or public template we
 *   found. Parking stays on the Park soft key (`<park code>$Trefer$` during a call);
 * - gaps → `Unassigned`.
 */
/**
 * Keys written as `Unassigned` whatever their value (the park rule above): the vendor's
 * `unrenderedKey`, so the admin API warns about them (src/services/unrendered-key-warnings.ts).
 */
export function polycomUnrenderedKey(_model: ModelInfo, key: { readonly kind: KeyKind }): string | null {
  return key.kind === "park"
    ? "Polycom has no documented line-key type for call park, so the key is shown as Unassigned; parking stays on the Park soft key during a call"
    : null;
}

export interface LineKeyRow { readonly n: number; readonly category: string; readonly index: number }
export interface BlfRow { readonly n: number; readonly address: string; readonly label: string }
/** One `<item>` of `<mac>-directory.xml`: `fn` name, `ct` contact (what is dialled), `sd` speed-dial index. */
export interface DirectoryRow { readonly sd: number; readonly name: string; readonly contact: string }
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
  /** Empty when the layout has no speed-dial key: the directory is then not served at all. */
  readonly speedDials: readonly DirectoryRow[];
}

function speedDialNumber(key: KeyConfig): string | null {
  switch (key.kind) {
    case "speed_dial":
      return DIAL_STRING.test(key.number) ? key.number : null;
    case "feature":
      return DIAL_STRING.test(key.code) ? key.code : null;
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
  if (configured.length === 0) return { lineKeys: [], blf: [], speedDials: [] };
  const lines = config.lines.filter((l) => l.index >= 1 && l.index <= lineCount);
  const byIndex = new Map(withLineKeys(configured, lines, model.lineKeySlots ?? model.keys).map((k) => [k.index, k]));
  const lineKeys: LineKeyRow[] = [];
  const blf: BlfRow[] = [];
  const speedDials: DirectoryRow[] = [];
  for (let n = 1; n <= model.keys; n++) {
    const key = byIndex.get(n);
    const number = key ? speedDialNumber(key) : null;
    if (key && polycomUnrenderedKey(model, key)) {
      lineKeys.push({ n, category: "Unassigned", index: 0 });
    } else if (key?.kind === "line" && key.line <= lineCount) {
      lineKeys.push({ n, category: "Line", index: key.line });
    } else if (key?.kind === "blf" && DIAL_STRING.test(key.target)) {
      blf.push({ n: blf.length + 1, address: key.target, label: key.label });
      lineKeys.push({ n, category: "BLF", index: 0 });
    } else if (key && number) {
      const sd = speedDials.length + 1;
      speedDials.push({ sd, name: key.label || number, contact: number });
      lineKeys.push({ n, category: "SpeedDial", index: sd });
    } else {
      lineKeys.push({ n, category: "Unassigned", index: 0 });
    }
  }
  return { lineKeys, blf, speedDials };
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
