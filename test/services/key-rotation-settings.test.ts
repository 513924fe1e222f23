import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MIGRATIONS_DIR } from "../../src/db/client.ts";
import { createRuntime } from "../../src/runtime.ts";
import { createKeyRingBox } from "../../src/secret-key-ring.ts";
import { AllowedEndpointsInput, VoicemailInput } from "../../src/services/extension-settings/schemas.ts";
import { putAllowedEndpoints, putVoicemail, readSettings } from "../../src/services/extension-settings/sections.ts";
import { openSettingsSecrets } from "../../src/services/extension-settings/secrets.ts";
import { createExtension } from "../../src/services/extensions.ts";
import { rotateSecretKey, sealedColumns } from "../../src/services/key-rotation.ts";
import { ExtensionInput, TenantInput } from "../../src/services/schemas.ts";
import { createTenant } from "../../src/services/tenants.ts";
import { tempConfig } from "../helpers/test-deps.ts";

/**
 * Issue 3's secrets (the third-party softphone password, the voicemail PIN) are sealed in `*_enc`
 * columns, so `secrets rotate` re-encrypts them like every other secret, and neither is stored in
 * the clear.
 */
const quiet = pino({ level: "silent" });
const PASSWORD = "ThirdParty-Rotate-7";
const PIN = "90817263";
let env: ReturnType<typeof tempConfig>;

beforeEach(async () => {
  env = tempConfig();
  const rt = createRuntime(env.config, quiet);
  await createTenant(rt, TenantInput.parse({ sipDomain: "rot.example", sipServerHost: "pbx.rot.example" }));
  await createExtension(rt, "rot.example", ExtensionInput.parse({ number: "101", displayName: "Rotated" }));
  await putAllowedEndpoints(rt, "rot.example", "101", AllowedEndpointsInput.parse({ thirdPartySoftphone: { allowed: true, sipUsername: "softy", sipPassword: PASSWORD } }));
  await putVoicemail(rt, "rot.example", "101", VoicemailInput.parse({ pin: PIN }));
  rt.close();
});
afterEach(() => env.cleanup());

/** Key ids of every `v1.<keyId>.` ciphertext anywhere in the database, JSON columns included. */
function keyIdsInDb(): Set<string> {
  const rt = createRuntime(env.config, quiet);
  try {
    const ids = new Set<string>();
    const tables = rt.db.$client.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'").pluck().all() as string[];
    for (const t of tables) {
      for (const row of rt.db.$client.prepare(`select * from "${t}"`).all() as Record<string, unknown>[]) {
        for (const v of Object.values(row)) for (const m of String(v).matchAll(/v1\.([0-9a-f]{8})\./g)) ids.add(m[1]!);
      }
    }
    return ids;
  } finally {
    rt.close();
  }
}

describe("extension-settings secrets and key rotation", () => {
  it("seals both in *_enc columns, which rotation re-encrypts; they still open after the old key is forgotten", async () => {
    const rt = createRuntime(env.config, quiet);
    expect(sealedColumns(rt.db)).toEqual(expect.arrayContaining([
      { table: "extension_settings", column: "third_party_sip_password_enc" },
      { table: "extension_settings", column: "voicemail_pin_enc" },
    ]));
    const r = await rotateSecretKey(rt.data, createKeyRingBox(env.config.secretKeyFile), env.config.secretKeyFile, { forgetOld: true });
    rt.close();
    expect(keyIdsInDb()).toEqual(new Set([r.newKeyId]));
    const after = createRuntime(env.config, quiet);
    const { settings } = await readSettings(after, "rot.example", "101");
    expect(openSettingsSecrets(after.secrets, settings)).toEqual({ thirdPartySipPassword: PASSWORD, voicemailPin: PIN });
    after.close();
  });

  it("upgrades rows written before: the password leaves the JSON (migration 0006), a plain PIN is sealed at start", async () => {
    const rt = createRuntime(env.config, quiet);
    const c = rt.db.$client;
    const sealed = c.prepare("select third_party_sip_password_enc from extension_settings").pluck().get() as string;
    // The row as issue 3 wrote it: password sealed inside the JSON, PIN in the clear.
    c.prepare(
      `update extension_settings set allowed_endpoints = json_set(allowed_endpoints, '$.thirdPartySoftphone.sipPasswordEnc', ?),
         third_party_sip_password_enc = null, voicemail = json_set(voicemail, '$.pin', ?), voicemail_pin_enc = null`,
    ).run(sealed, PIN);
    const migration = readFileSync(join(MIGRATIONS_DIR, "0006_settings-secrets.sql"), "utf8").split("--> statement-breakpoint");
    for (const stmt of migration.filter((m) => /^\s*(--[^\n]*\n\s*)*UPDATE/i.test(m))) c.exec(stmt);
    rt.close();
    const after = createRuntime(env.config, quiet);
    const row = after.db.$client.prepare("select allowed_endpoints as a, voicemail as v from extension_settings").get() as { a: string; v: string };
    expect(row.a).not.toContain("sipPasswordEnc");
    expect(row.v).not.toContain("pin");
    expect(openSettingsSecrets(after.secrets, (await readSettings(after, "rot.example", "101")).settings)).toEqual({ thirdPartySipPassword: PASSWORD, voicemailPin: PIN });
    after.close();
  });

  it("keeps neither in the clear in the data directory", () => {
    for (const f of readdirSync(env.config.dataDir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name)) {
      const content = readFileSync(join(env.config.dataDir, f)).toString("latin1");
      expect(content.includes(PASSWORD), f).toBe(false);
      expect(content.includes(PIN), f).toBe(false);
    }
  });
});
