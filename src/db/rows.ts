import type {
  apiTokens,
  deviceKeys,
  devices,
  discoveredDevices,
  extensionGroups,
  extensions,
  extensionSettings,
  firmwareImages,
  forceUnregisterDevices,
  forceUnregisters,
  keyLayouts,
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
export type DeviceKeyRow = typeof deviceKeys.$inferSelect;
export type GroupRow = typeof extensionGroups.$inferSelect;
export type LayoutRow = typeof keyLayouts.$inferSelect;
export type TokenRow = typeof apiTokens.$inferSelect;
export type DiscoveredRow = typeof discoveredDevices.$inferSelect;
export type FirmwareRow = typeof firmwareImages.$inferSelect;
export type RegistrationRow = typeof registrations.$inferSelect;
export type ForceUnregisterRow = typeof forceUnregisters.$inferSelect;
export type ForceUnregisterDeviceRow = typeof forceUnregisterDevices.$inferSelect;
