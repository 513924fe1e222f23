import type { ModelInfo } from "./vendor.ts";

/**
 * What a phone of one model with a number of expansion modules attached can hold: its own
 * programmable keys, then each module's keys in module order. The one place capacity is computed;
 * the admin API, the key layouts, the CSV importer and the renderers all go through it.
 */
export interface KeyLimits {
  readonly id: string;
  readonly lines: number;
  /** Keys on the phone itself (`ModelInfo.keys`): indexes 1..ownKeys. */
  readonly ownKeys: number;
  /** Modules attached to this phone. */
  readonly modules: number;
  readonly keysPerModule: number;
  /** ownKeys + modules × keysPerModule: the highest key index this phone takes. */
  readonly capacity: number;
}

/** The most modules `model` takes; 0 when it takes none (or none is documented). */
function maxExpansionModules(model: ModelInfo): number {
  return model.expansion?.maxModules ?? 0;
}

/** Null when `modules` is a count the model takes. */
export function expansionModulesProblem(model: ModelInfo, modules: number): string | null {
  const max = maxExpansionModules(model);
  if (modules <= max) return null;
  return max === 0
    ? `${model.id} takes no expansion module, not ${modules}`
    : `${model.id} takes at most ${max} expansion module(s), not ${modules}`;
}

/** Limits of a phone; `modules` is expected to be already checked with `expansionModulesProblem`. */
export function keyLimits(model: ModelInfo, modules: number): KeyLimits {
  const keysPerModule = model.expansion?.keysPerModule ?? 0;
  const attached = Math.min(Math.max(modules, 0), maxExpansionModules(model));
  return { id: model.id, lines: model.lines, ownKeys: model.keys, modules: attached, keysPerModule, capacity: model.keys + attached * keysPerModule };
}

/** "T54S has 87 programmable key(s) (27 + 1 expansion module(s) × 60)": the words of every capacity refusal. */
export function capacityText(limits: KeyLimits): string {
  const modules = limits.modules > 0 ? ` (${limits.ownKeys} + ${limits.modules} expansion module(s) × ${limits.keysPerModule})` : "";
  return `${limits.id} has ${limits.capacity} programmable key(s)${modules}`;
}

/** Where key `index` sits: on the phone, or on module `module` as its key `key` (both 1-based). */
export function keySlot(limits: Pick<KeyLimits, "ownKeys" | "keysPerModule">, index: number): { module: number; key: number } {
  if (index <= limits.ownKeys || limits.keysPerModule === 0) return { module: 0, key: index };
  const offset = index - limits.ownKeys - 1;
  return { module: Math.floor(offset / limits.keysPerModule) + 1, key: (offset % limits.keysPerModule) + 1 };
}
