import type { Db } from "../db/client.ts";
import { invalidInput } from "../errors.ts";
import { tenantExtension } from "./devices.ts";
import { blfKeyRefusalFor } from "./endpoint-policy.ts";
import { loadSettings } from "./extension-settings/store.ts";
import { findGroup } from "./groups.ts";
import { firstDuplicate, keyProblem } from "./device-rules.ts";
import type { KeyInput } from "./schemas.ts";
import type { KeyLimits } from "../vendors/key-capacity.ts";

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
  const twice = firstDuplicate(indexes);
  if (twice !== null) throw invalidInput(`${what} ${twice} is given twice`);
}

export function resolveKeyInputs(tx: Db, tenantId: number, keys: readonly KeyInput[], limits: KeyLimits | null): ResolvedKey[] {
  checkUniqueIndexes(keys.map((k) => k.index), "key");
  return keys.map((k, i) => {
    const misfit = limits ? keyProblem(limits, k) : null;
    if (misfit) throw invalidInput(`keys[${i}].${misfit.field}: ${misfit.reason}`);
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
