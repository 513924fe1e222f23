import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import type { Config } from "./config.ts";
import { openDb } from "./db/client.ts";
import { FetchRecorder } from "./provisioning/fetch-recorder.ts";
import type { ProvisionDeps } from "./provisioning/provision.ts";
import { SourceLimiter } from "./provisioning/source-limiter.ts";
import { loadTemplateStore, missingTemplates } from "./provisioning/template-store.ts";
import { ensureEventSecrets } from "./registrations/event-secrets.ts";
import { attachKamailioDb } from "./pbx/kamailio-db.ts";
import { createKeyRingBox } from "./secret-key-ring.ts";
import { sealPlainVoicemailPins } from "./services/extension-settings/secrets.ts";
import { VENDOR_IDS, VENDOR_LIST } from "./vendors/registry.ts";

export const BUILTIN_TEMPLATES_DIR = fileURLToPath(new URL("../templates", import.meta.url));

/** New entries one source address may add to the discovery inbox per hour. */
const DISCOVERY_PER_SOURCE_PER_HOUR = 100;

/**
 * Builds every dependency from the config: data directory, database (migrated), secret key,
 * templates (built-in, then the site's overrides), fetch recorder. The composition root for the
 * server and for CLI commands that render or write.
 */
export function createRuntime(config: Config, logger: Logger, clock: () => Date = () => new Date()): ProvisionDeps & { close(): void } {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const db = openDb(join(config.dataDir, "phonehome.db"));
  // A key ring: reads rows sealed with retired keys while `secrets rotate` rewrites them.
  const secrets = createKeyRingBox(config.secretKeyFile);
  const templates = loadTemplateStore(VENDOR_IDS, [BUILTIN_TEMPLATES_DIR, config.templatesDir]);
  const missing = missingTemplates(templates, VENDOR_LIST);
  if (missing.length) throw new Error(`templates missing: ${missing.join(", ")}`);
  const recorder = new FetchRecorder(db, config.fetchLogFlushMs, config.discoveryMaxEntries, (err) =>
    logger.error({ err }, "writing the fetch log failed"),
  );
  // Devices created before registration events existed get their event secret now.
  ensureEventSecrets({ db, secrets, clock });
  // Voicemail PINs stored before they were sealed are sealed now.
  sealPlainVoicemailPins({ db, secrets });
  // Kamailio's subscriber table follows every credential change from here on (docs/pbx.md).
  if (config.kamailioDb) attachKamailioDb(db, secrets, config.kamailioDb);
  return {
    db,
    secrets,
    clock,
    vendors: VENDOR_LIST,
    templates,
    publicUrl: config.publicUrl,
    configEncryptionDigest: config.configEncryptionDigest,
    recorder,
    discoveryLimiter: new SourceLimiter(DISCOVERY_PER_SOURCE_PER_HOUR, 3_600_000, () => clock().getTime()),
    logger,
    firmwareDir: config.firmwareDir,
    close() {
      recorder.flush();
      db.$client.close();
    },
  };
}
