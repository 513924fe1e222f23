/**
 * Seeds the data directory of `bench:storm`: one tenant in `network` mode and N Yealink T54W
 * phones, each with its own extension on line 1 and three BLF keys on its neighbours' extensions.
 *
 * Through the services (createExtension, createDevice, setLines, setKeys) a phone costs about
 * 5 ms (audit rows, change feed, per-row checks): 100,000 phones would take minutes. Here the
 * tenant comes from the service (its own transaction, before the rest) and the rest is bulk inserts
 * through the drizzle schema, in one transaction, on a database opened by `createRuntime` (every
 * migration and trigger applied):
 * the rows are the ones the services write (same sealed secrets, default extension settings,
 * event secrets), without the audit and change-feed rows a phone file never reads.
 */
import { pathToFileURL } from "node:url";
import pino from "pino";
import { loadConfig } from "../src/config.ts";
import { writeTransaction } from "../src/db/client.ts";
import { deviceEventSecrets, deviceKeys, deviceLines, devices, extensions } from "../src/db/schema.ts";
import { randomPassword } from "../src/secrets.ts";
import { createRuntime } from "../src/runtime.ts";
import { defaultSettings } from "../src/services/extension-settings/store.ts";
import { saveSettingsSync } from "../src/services/extension-settings/store-sync.ts";
import type { Mac } from "../src/domain/mac.ts";
import { newDeviceSecrets } from "../src/services/devices.ts";
import { TenantInput } from "../src/services/schemas.ts";
import { createTenant } from "../src/services/tenants.ts";

const CHUNK = 500;

export const stormMac = (i: number): string => `805ec0${i.toString(16).padStart(6, "0")}`;
const numberOf = (i: number): string => String(100_000 + i);

/** Seeds `phones` phones; returns the path each phone fetches (`/<mac>.cfg`). */
export async function seedStorm(dataDir: string, phones: number): Promise<string[]> {
  const config = loadConfig({ dataDir, logLevel: "silent" }, {});
  const rt = createRuntime(config, pino({ level: "silent" }));
  const now = rt.clock().getTime();
  try {
    const tenant = await createTenant(
      rt,
      TenantInput.parse({ sipDomain: "storm.example", sipServerHost: "pbx.storm.example", timeZone: "Europe/Berlin", authMode: "network", allowedNetworks: ["127.0.0.0/8"] }),
    );
    writeTransaction(rt.db, (tx) => {
      const extensionIds: number[] = [];
      for (let from = 0; from < phones; from += CHUNK) {
        const rows = [];
        for (let i = from; i < Math.min(phones, from + CHUNK); i++) {
          const number = numberOf(i);
          rows.push({ tenantId: tenant.id, number, displayName: `Phone ${i}`, sipUser: number, authUser: number, sipPasswordEnc: rt.secrets.seal(randomPassword()), voicemailNumber: null, createdAt: now, updatedAt: now });
        }
        for (const e of tx.insert(extensions).values(rows).returning({ id: extensions.id, tenantId: extensions.tenantId, number: extensions.number }).all()) {
          saveSettingsSync(tx, e, defaultSettings(e.number));
          extensionIds.push(e.id);
        }
      }
      for (let from = 0; from < phones; from += CHUNK) {
        const rows = [];
        for (let i = from; i < Math.min(phones, from + CHUNK); i++) {
          const mac = stormMac(i);
          rows.push({ mac, vendor: "yealink" as const, model: "T54W", tenantId: tenant.id, label: null, expansionModules: 0, ...newDeviceSecrets(rt, mac as Mac), createdAt: now, updatedAt: now });
        }
        const ids = tx.insert(devices).values(rows).returning({ id: devices.id }).all().map((d) => d.id);
        tx.insert(deviceEventSecrets).values(ids.map((deviceId) => ({ deviceId, secretEnc: rt.secrets.seal(randomPassword()), createdAt: now }))).run();
        tx.insert(deviceLines).values(ids.map((deviceId, k) => ({ deviceId, lineIndex: 1, extensionId: extensionIds[from + k]! }))).run();
        const keys = ids.flatMap((deviceId, k) =>
          [1, 2, 3].map((d) => ({ deviceId, keyIndex: d + 1, kind: "blf" as const, label: null, lineIndex: 1, targetExtensionId: extensionIds[(from + k + d) % phones]!, value: null })),
        );
        tx.insert(deviceKeys).values(keys).run();
      }
    });
  } finally {
    rt.close();
  }
  return Array.from({ length: phones }, (_, i) => `/${stormMac(i)}.cfg`);
}

/** As a command (bench:storm seeds in its own process): `node --import tsx bench/storm-seed.ts DATA_DIR PHONES`. */
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await seedStorm(process.argv[2]!, Number(process.argv[3]));
