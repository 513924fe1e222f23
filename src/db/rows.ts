import type {
  apiTokens,
  devices,
  discoveredDevices,
  extensionGroups,
  extensions,
  extensionSettings,
  firmwareImages,
  forceUnregisterDevices,
  forceUnregisters,
  keyLayouts,
  numberingPlans,
  pbxWebhooks,
  registrations,
  tenants,
} from "./schema.ts";

/**
 * Row types of the tables, inferred from the schema: the one place they are named. Services and
 * the pipeline import them from here, never re-declare them.
 */
export type Tenant = typeof tenants.$inferSelect;
export type ExtensionRow = typeof extensions.$inferSelect;
export type ExtensionSettingsRow = typeof extensionSettings.$inferSelect;
export type DeviceRow = typeof devices.$inferSelect;
export type GroupRow = typeof extensionGroups.$inferSelect;
export type LayoutRow = typeof keyLayouts.$inferSelect;
export type NumberingPlanRow = typeof numberingPlans.$inferSelect;
export type TokenRow = typeof apiTokens.$inferSelect;
export type DiscoveredRow = typeof discoveredDevices.$inferSelect;
export type FirmwareRow = typeof firmwareImages.$inferSelect;
export type RegistrationRow = typeof registrations.$inferSelect;
export type ForceUnregisterRow = typeof forceUnregisters.$inferSelect;
export type ForceUnregisterDeviceRow = typeof forceUnregisterDevices.$inferSelect;
export type PbxWebhookRow = typeof pbxWebhooks.$inferSelect;

/** A JSON value as `JSON.stringify` writes it. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** `audit_log.before` / `after`: a snapshot of the object with its secrets masked (src/services/audit.ts maskSecrets). */
export type AuditSnapshot = JsonValue;

