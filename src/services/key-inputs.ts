import type { Query } from "../db/data.ts";
import { invalidInput } from "../errors.ts";
import { tenantExtension } from "./devices.ts";
import { blfKeyRefusalFor } from "./endpoint-policy.ts";
import { loadSettingsIn } from "./extension-settings/store.ts";
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

/** Checks keys against the tenant inside the caller's `data.write`; the first problem throws 400 naming the key. */
export async function resolveKeyInputs(q: Query, tenantId: number, keys: readonly KeyInput[], limits: KeyLimits | null): Promise<ResolvedKey[]> {
  checkUniqueIndexes(keys.map((k) => k.index), "key");
  const resolved: ResolvedKey[] = [];
  for (const [i, k] of keys.entries()) {
    const misfit = limits ? keyProblem(limits, k) : null;
    if (misfit) throw invalidInput(`keys[${i}].${misfit.field}: ${misfit.reason}`);
    let targetExtensionId: number | null = null;
    let groupId: number | null = null;
    if (k.kind === "blf") {
      const ext = await tenantExtension(q, tenantId, k.value!, `keys[${i}].value`);
      const reason = blfKeyRefusalFor(ext.number, await loadSettingsIn(q, ext));
      if (reason) throw invalidInput(`keys[${i}].value: ${reason}`);
      targetExtensionId = ext.id;
    }
    if (k.kind === "blf_group") {
      const g = await findGroup(q, tenantId, k.value!);
      if (!g) throw invalidInput(`keys[${i}].value: ${unknownGroupReason(k.value!)}`);
      groupId = g.id;
    }
    const stored = k.kind === "blf" || k.kind === "blf_group" ? null : k.value;
    resolved.push({ index: k.index, kind: k.kind, label: k.label, line: k.line, value: stored, targetExtensionId, groupId });
  }
  return resolved;
}
