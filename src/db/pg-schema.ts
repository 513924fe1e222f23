import { derivePgTables } from "./pg-derive.ts";
import * as sqliteSchema from "./schema.ts";

/**
 * The PostgreSQL tables, derived from schema.ts (the one description of the schema; see
 * src/db/pg-derive.ts and docs/architecture.md#postgresql-schema). drizzle-kit reads this file
 * (drizzle-pg.config.ts) to generate the migrations in drizzle-pg/. A table added to schema.ts is
 * exported here by the same name; test/db/pg-schema-drift.test.ts fails until it is.
 */
const pg = derivePgTables(sqliteSchema);

export const {
  tenants,
  extensions,
  devices,
  deviceLines,
  deviceKeys,
  featureCodes,
  discoveredDevices,
  fetchLog,
  apiTokens,
  auditLog,
  importBatches,
  importBatchDevices,
  deviceEventSecrets,
  registrations,
  disabledExtensions,
  forceUnregisters,
  forceUnregisterDevices,
  deviceConfigKeys,
  extensionSettings,
  extensionAvatars,
  extensionPhoneNumbers,
  extensionAllowedDevices,
  extensionGroups,
  extensionGroupMembers,
  numberingPlans,
  keyLayouts,
  keyLayoutKeys,
  deviceKeyLayouts,
  deviceGroupKeys,
  firmwareImages,
  firmwarePins,
  pbxWebhooks,
  pbxEvents,
  pbxDeliveries,
  portalUsers,
  extensionLogins,
  portalSessions,
  portalLinks,
  portalLoginFailures,
  bootstrapWindows,
  configGeneration,
  servedFiles,
  hotDesks,
  hotDeskProfiles,
  hotDeskRules,
  hotDeskPinFailures,
  hotDeskDefaults,
  hotDeskOptOuts,
  notifyOutbox,
  digestNonces,
  jobLeases,
} = pg;
