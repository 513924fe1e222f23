import type { ExistingDevice, ExistingKey, Lookups } from "./lookups.ts";
import type { PlannedDevice, PlannedKey } from "./planner.ts";

/**
 * Whether a row would change its device. Re-importing the same file must change nothing (not even
 * `updated_at`), so an unchanged row is skipped rather than written again.
 */
export function sameDevice(
  lookups: Lookups,
  existing: ExistingDevice,
  row: Pick<PlannedDevice, "vendor" | "model" | "label" | "lines" | "keys">,
): boolean {
  if (existing.vendor !== row.vendor || existing.model !== row.model || existing.label !== row.label) return false;
  const lines = lookups.lines(existing.id);
  if (lines.length !== row.lines.length || lines.some((id, i) => id !== row.lines[i])) return false;
  if (row.keys === null) return true;
  const keys = lookups.keys(existing.id);
  return keys.length === row.keys.length && keys.every((k, i) => sameKey(k, row.keys![i]!));
}

function sameKey(a: ExistingKey, b: PlannedKey): boolean {
  return (
    a.keyIndex === b.keyIndex &&
    a.kind === b.kind &&
    a.label === b.label &&
    a.lineIndex === b.lineIndex &&
    a.targetExtensionId === b.targetExtensionId &&
    a.groupId === b.groupId &&
    a.value === b.value
  );
}
