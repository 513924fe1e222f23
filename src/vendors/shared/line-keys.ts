import type { KeyConfig, LineConfig } from "../../domain/phone-config.ts";

/**
 * Every configured line keeps a line key (a line appearance with its LED) unless the operator gives
 * it away. A phone whose keys hold no line key registers but shows no line: Yealink with
 * `linekey.N.type = 0` on every key, Polycom with `lineKey.N.category="Unassigned"`. Wazo writes
 * `linekey.N.type = 15` for each configured line without a function key
 * (wazo-provd-plugins `plugins/wazo_yealink/common/common.py`, `_add_fkeys`); this is the same rule
 * for all vendors, with a fallback when the line's own key is taken:
 *
 * 1. a line with an explicit `line` key keeps it;
 * 2. otherwise line L shows on key L when nothing is configured there;
 * 3. a `none` key on key L gives line L's key away on purpose: no line key, no warning;
 * 4. otherwise (key L holds another key) line L takes the first key without configuration among
 *    the keys that can show a line (`slots`); when none is left the line has no line key, and the
 *    admin API warns (src/services/line-key-warnings.ts).
 */
export interface SlotKey {
  readonly index: number;
  readonly kind: string;
  readonly line: number;
}

export interface LineKeyPlan {
  /** Automatic line keys: key index and the line it shows. */
  readonly added: readonly { readonly index: number; readonly line: number }[];
  /** Lines left without a line key although the operator did not give it away. */
  readonly missing: readonly number[];
  /** Lines whose own key is a `none` key. */
  readonly givenAway: readonly number[];
}

/** `slots`: the leading keys that can show a line (0 = the phone has no line keys at all). */
export function planLineKeys(keys: readonly SlotKey[], lines: readonly number[], slots: number): LineKeyPlan {
  if (slots <= 0) return { added: [], missing: [], givenAway: [] };
  const byIndex = new Map(keys.map((k) => [k.index, k]));
  const covered = new Set(keys.filter((k) => k.kind === "line").map((k) => k.line));
  const added: { index: number; line: number }[] = [];
  const givenAway: number[] = [];
  const waiting: number[] = [];
  for (const line of [...new Set(lines)].sort((a, b) => a - b)) {
    if (covered.has(line)) continue;
    const own = byIndex.get(line);
    if (line <= slots && !own) added.push({ index: line, line });
    else if (own?.kind === "none") givenAway.push(line);
    else waiting.push(line);
  }
  const taken = new Set([...byIndex.keys(), ...added.map((a) => a.index)]);
  const missing: number[] = [];
  for (const line of waiting) {
    let free = 0;
    for (let i = 1; i <= slots && !free; i++) if (!taken.has(i)) free = i;
    if (!free) {
      missing.push(line);
      continue;
    }
    taken.add(free);
    added.push({ index: free, line });
  }
  return { added: added.sort((a, b) => a.index - b.index), missing, givenAway };
}

/** The keys a vendor renders: the configured ones plus the automatic line keys of `planLineKeys`. */
export function withLineKeys(keys: readonly KeyConfig[], lines: readonly LineConfig[], slots: number): KeyConfig[] {
  const plan = planLineKeys(keys, lines.map((l) => l.index), slots);
  if (plan.added.length === 0) return [...keys];
  const auto: KeyConfig[] = plan.added.map((a) => ({ index: a.index, kind: "line", line: a.line, label: "" }));
  return [...keys, ...auto].sort((a, b) => a.index - b.index);
}
