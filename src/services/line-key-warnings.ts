import { asc, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { deviceLines, devices, extensions } from "../db/schema.ts";
import { planLineKeys } from "../vendors/shared/line-keys.ts";
import type { ServiceDeps } from "./deps.ts";
import { keyLimitsOf, modelOf } from "./device-rules.ts";
import { devicesUsingLayoutSync, expandDeviceKeysSync } from "./key-expansion-sync.ts";
import { findLayout } from "./key-layouts.ts";
import { getTenant } from "./tenants.ts";
import { unrenderedKeyWarnings } from "./unrendered-key-warnings.ts";
import { vendors } from "../vendors/registry.ts";

/**
 * Warnings (not errors: the write stands) for lines that the devices' effective keys leave without
 * a line key although the operator did not give it away with a `none` key, then for keys the
 * device's vendor renders as an empty key (src/services/unrendered-key-warnings.ts). The rule is the one the
 * renderers apply (src/vendors/shared/line-keys.ts), so a warning names exactly the lines a phone
 * will show no line appearance for. Returned in the `warnings` field of the admin API answers that
 * change keys, lines or layouts (docs/api.md, "Line keys").
 */
export function lineKeyWarnings(db: Db, deviceIds: readonly number[]): string[] {
  if (!deviceIds.length) return [];
  const rows = db.select().from(devices).where(inArray(devices.id, [...deviceIds])).orderBy(devices.mac).all();
  const out: string[] = [];
  for (const d of rows) {
    const model = modelOf(d);
    const lines = db
      .select({ index: deviceLines.lineIndex, number: extensions.number })
      .from(deviceLines)
      .innerJoin(extensions, eq(extensions.id, deviceLines.extensionId))
      .where(eq(deviceLines.deviceId, d.id))
      .orderBy(asc(deviceLines.lineIndex))
      .all()
      .filter((l) => l.index <= model.lines);
    const slots = model.lineKeySlots ?? model.keys;
    const { keys } = expandDeviceKeysSync(db, d, keyLimitsOf(d));
    const plan = planLineKeys(keys, lines.map((l) => l.index), slots);
    for (const line of plan.missing) {
      const number = lines.find((l) => l.index === line)?.number ?? "?";
      out.push(
        `device ${d.mac}: line ${line} (extension ${number}) has no line key: keys 1-${slots} (the ${model.id} keys that can show a line) are all taken; ` +
          `free one of them, add a line key for line ${line}, or put a "none" key on key ${line} to give the line key away on purpose`,
      );
    }
    // Keys the vendor renders as nothing (a Polycom park key): same answers, same field.
    out.push(...unrenderedKeyWarnings(d.mac, vendors[d.vendor], model, keys));
  }
  return out;
}

/** The warnings of every device using a tenant's layout `name`. */
export function layoutLineKeyWarnings(deps: ServiceDeps, tenant: string, name: string): string[] {
  const layout = findLayout(deps.db, getTenant(deps, tenant).id, name);
  return layout ? lineKeyWarnings(deps.db, devicesUsingLayoutSync(deps.db, layout.id)) : [];
}
