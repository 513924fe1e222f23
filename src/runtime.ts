import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import type { Config } from "./config.ts";
import { prepareDataDir, restrictDbFiles } from "./data-dir.ts";
import { openDb } from "./db/client.ts";
import { openSqliteData, sqliteDataOn } from "./db/data-sqlite.ts";
import { FetchRecorder } from "./provisioning/fetch-recorder.ts";
import type { ProvisionDeps } from "./provisioning/provision.ts";
import { SourceLimiter } from "./provisioning/source-limiter.ts";
import { RenderCache } from "./provisioning/render-cache.ts";
import { requestReadsFor } from "./provisioning/request-reads.ts";
import { loadTemplateStore, missingTemplates, watchTemplateStore } from "./provisioning/template-store.ts";
import { ensureEventSecrets } from "./registrations/event-secrets.ts";
import { attachKamailioToData } from "./pbx/kamailio-db.ts";
import { attachKamailioDb } from "./pbx/kamailio-db-sync.ts";
import { openSecretKey } from "./secret-key-guard.ts";
import { sealPlainVoicemailPins } from "./services/extension-settings/secrets.ts";
import { VENDOR_IDS, VENDOR_LIST } from "./vendors/registry.ts";
import { createMetrics } from "./metrics/metrics.ts";

export const BUILTIN_TEMPLATES_DIR = fileURLToPath(new URL("../templates", import.meta.url));

/** New entries one source address may add to the discovery inbox per hour. */
const DISCOVERY_PER_SOURCE_PER_HOUR = 100;

/**
 * Builds every dependency from the config: data directory, database (migrated), secret key,
 * templates (built-in, then the site's overrides), fetch recorder. The composition root for the
 * server and for CLI commands that render or write.
 */
/**
 * The fetch-log thread's wait for the write lock: short, so that a flush() called by a request
 * (/metrics, the bootstrap window) returns quickly while a CLI import holds the lock; the rows are
 * kept and tried again after fetchLogFlushMs.
 */
const FETCH_LOG_BUSY_TIMEOUT_MS = 250;

export function createRuntime(
  config: Config,
  logger: Logger,
  clock: () => Date = () => new Date(),
  options: { busyTimeoutMs?: number } = {},
): ProvisionDeps & { close(): void } {
  const dbPath = prepareDataDir(config.dataDir);
  // CLI commands wait for another process's write lock up to dbLockTimeoutMs; the server passes a short wait.
  const db = openDb(dbPath, { busyTimeoutMs: options.busyTimeoutMs ?? config.dbLockTimeoutMs });
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
  const templateDirs = [BUILTIN_TEMPLATES_DIR, config.templatesDir];
  // The site's folder exists from the start, so the watcher sees the first override put there.
  mkdirSync(config.templatesDir, { recursive: true, mode: 0o700 });
  const missing = missingTemplates(loadTemplateStore(VENDOR_IDS, templateDirs), VENDOR_LIST);
  if (missing.length) {
    db.$client.close();
    throw new Error(`templates missing: ${missing.join(", ")}`);
  }
  const templates = watchTemplateStore(VENDOR_LIST, templateDirs, (err) => logger.error({ err }, "reloading templates failed; the previous templates stay in use"));
  // The asynchronous handle of converted code: its own writer and reader connections to the same file
  // (docs/scale-out.md#transactions); an in-memory database has one connection, shared.
  const dataOptions = { lockTimeoutMs: config.dbLockTimeoutMs, migrate: false };
  const data = db.$client.memory ? sqliteDataOn(db, dataOptions) : openSqliteData(dbPath, dataOptions);
  const renderCache = config.renderCacheMaxBytes > 0 ? new RenderCache(config.renderCacheMaxBytes) : undefined;
  const reads = requestReadsFor({ db, data }, () => templates.generation);
  const recorder = new FetchRecorder(
    db,
    config.fetchLogFlushMs,
    config.discoveryMaxEntries,
    (err) => logger.error({ err }, "writing the fetch log failed"),
    config.anonymousFetchRowsPerMinute,
    { maxPerNetwork: config.discoveryMaxPerNetwork, retentionDays: config.discoveryRetentionDays },
    // An in-memory database has no file a second connection could open: its batches are written here.
    {
      seal: (plain) => secrets.seal(plain),
      ...(db.$client.memory ? {} : { thread: { secretKeyFile: config.secretKeyFile, busyTimeoutMs: FETCH_LOG_BUSY_TIMEOUT_MS } }),
    },
  );
  // Devices created before registration events existed get their event secret now.
  ensureEventSecrets({ db, data, secrets, clock });
  // Voicemail PINs stored before they were sealed are sealed now.
  sealPlainVoicemailPins({ db, secrets });
  // Kamailio's subscriber table follows every credential change from here on (docs/pbx.md).
  if (config.kamailioDb) {
    attachKamailioDb(db, secrets, config.kamailioDb);
    attachKamailioToData(data, config.kamailioDb);
  }
  return {
    db,
    data,
    secrets,
    clock,
    vendors: VENDOR_LIST,
    templates,
    ...(renderCache ? { renderCache } : {}),
    reads,
    publicUrl: config.publicUrl,
    publicUrlConfigured: config.publicUrlConfigured,
    configEncryptionDigest: config.configEncryptionDigest,
    recorder,
    discoveryLimiter: new SourceLimiter(DISCOVERY_PER_SOURCE_PER_HOUR, 3_600_000, () => clock().getTime()),
    logger,
    firmwareDir: config.firmwareDir,
    metrics: createMetrics(() => data),
    close() {
      templates.close();
      recorder.close();
      db.$client.close();
      // After the transaction under way, if one is (its connections are not db's); closing cannot fail.
      void data.close().catch(() => undefined);
    },
  };
}
