import type { Db } from "../db/client.ts";
import { invalidInput } from "../errors.ts";
import { tenantExtension } from "./devices.ts";
import { blfKeyRefusalFor } from "./endpoint-policy.ts";
import { loadSettings } from "./extension-settings/store.ts";
import { findGroup } from "./groups.ts";
import type { KeyInput } from "./schemas.ts";

/** A key input checked against the tenant: BLF targets exist and may be watched, groups exist. */
export interface ResolvedKey {
  readonly index: number;
  readonly kind: KeyInput["kind"];
  readonly label: string | null;
  readonly line: number;
  readonly value: string | null;
  readonly targetExtensionId: number | null;
  readonly groupId: number | null;
}

export const unknownGroupReason = (name: string): string => `no group "${name.slice(0, 64)}" in this tenant`;

export function checkUniqueIndexes(indexes: readonly number[], what: string): void {
  const seen = new Set<number>();
  for (const i of indexes) {
    if (seen.has(i)) throw invalidInput(`${what} ${i} is given twice`);
    seen.add(i);
  }
}

export function resolveKeyInputs(tx: Db, tenantId: number, keys: readonly KeyInput[], limits: { keys: number; lines: number; model: string } | null): ResolvedKey[] {
  checkUniqueIndexes(keys.map((k) => k.index), "key");
  return keys.map((k, i) => {
    if (limits && k.index > limits.keys) throw invalidInput(`keys[${i}].index: ${limits.model} has ${limits.keys} programmable key(s), not ${k.index}`);
    if (limits && k.line > limits.lines) throw invalidInput(`keys[${i}].line: ${limits.model} has ${limits.lines} line(s), not ${k.line}`);
    let targetExtensionId: number | null = null;
    let groupId: number | null = null;
    if (k.kind === "blf") {
      const ext = tenantExtension(tx, tenantId, k.value!, `keys[${i}].value`);
      const reason = blfKeyRefusalFor(ext.number, loadSettings(tx, ext));
      if (reason) throw invalidInput(`keys[${i}].value: ${reason}`);
      targetExtensionId = ext.id;
    }
    if (k.kind === "blf_group") {
      const g = findGroup(tx, tenantId, k.value!);
      if (!g) throw invalidInput(`keys[${i}].value: ${unknownGroupReason(k.value!)}`);
      groupId = g.id;
    }
    const stored = k.kind === "blf" || k.kind === "blf_group" ? null : k.value;
    return { index: k.index, kind: k.kind, label: k.label, line: k.line, value: stored, targetExtensionId, groupId };
  });
}
