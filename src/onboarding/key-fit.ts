import type { KeyLimits } from "../vendors/key-capacity.ts";
import { expandSpecs, mergeSpecs, toSpec, type StoredKey } from "../domain/key-expansion.ts";
import type { ExistingDevice, Lookups } from "./lookups.ts";

/** A key the row would write: a stored key before the reader joins in the names. */
type UnnamedKey = Omit<StoredKey, "targetNumber" | "targetName" | "groupName">;

/**
 * The capacity check of `assertKeysFit` (src/services/key-checks.ts) for a row before it is written:
 * the device's key layout, overridden by its own keys (the row's, or the ones it keeps), with every
 * BLF-to-group key expanded against the row's lines and model by the same expansion the resolver
 * uses. Devices with plain keys only were checked key by key already and are skipped.
 */
export function effectiveKeysProblem(
  lookups: Lookups,
  existing: Pick<ExistingDevice, "id"> | null,
  limits: KeyLimits,
  lineIds: readonly (number | null)[],
  planned: readonly UnnamedKey[] | null,
): string | null {
  const layout = existing ? lookups.layout(existing.id) : null;
  const own: readonly UnnamedKey[] = planned ?? (existing ? lookups.keys(existing.id) : []);
  if (!layout && !own.some((k) => k.kind === "blf_group")) return null;
  const specs = mergeSpecs(layout?.keys ?? [], own.map((k) => toSpec(named(lookups, k), "device")));
  const ownLines = new Set(lineIds.filter((id): id is number => id !== null));
  const problem = expandSpecs(lookups.expansion, specs, ownLines, limits).problems[0];
  if (problem === undefined) return null;
  const withLayout = layout ? ` key layout "${layout.name}"` : "";
  return planned ? `${problem}${withLayout && ` (the device uses${withLayout})`}` : `the device keeps its keys${withLayout && ` (and${withLayout})`}, but ${problem}; give a key_layout that fits`;
}

/** The names the reader would join in, from the importer's caches. */
function named(lookups: Lookups, k: UnnamedKey): StoredKey {
  const ext = k.targetExtensionId === null ? null : lookups.extensionInfo(k.targetExtensionId);
  return { ...k, targetNumber: ext?.number ?? null, targetName: ext?.displayName ?? null, groupName: k.groupId === null ? null : lookups.groupName(k.groupId) };
}
