import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import type { Config } from "./config.ts";
import { prepareDataDir, restrictDbFiles } from "./data-dir.ts";
import { openDb } from "./db/client.ts";
import { FetchRecorder } from "./provisioning/fetch-recorder.ts";
import type { ProvisionDeps } from "./provisioning/provision.ts";
import { SourceLimiter } from "./provisioning/source-limiter.ts";
import { loadTemplateStore, missingTemplates } from "./provisioning/template-store.ts";
import { ensureEventSecrets } from "./registrations/event-secrets.ts";
import { openSecretKey } from "./secret-key-guard.ts";
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
  const dbPath = prepareDataDir(config.dataDir);
  const db = openDb(dbPath);
  restrictDbFiles(dbPath); // the WAL and SHM files SQLite has just created or reopened
  // A key ring: reads rows sealed with retired keys while `secrets rotate` rewrites them.
  // Made only for a database without sealed values; otherwise a missing key refuses to start.
  let secrets: ReturnType<typeof openSecretKey>;
  try {
    secrets = openSecretKey(db, config.secretKeyFile);
  } catch (err) {
    db.$client.close();
    throw err;
  }
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
  return {
    db,
    secrets,
    clock,
    vendors: VENDOR_LIST,
    templates,
    publicUrl: config.publicUrl,
    publicUrlConfigured: config.publicUrlConfigured,
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
