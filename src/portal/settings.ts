import type { ImportRunner } from "../onboarding/off-thread.ts";
import type { Config } from "../config.ts";
import type { SipSettings } from "../registrations/sip-settings.ts";
import type { Mailer } from "./mailer.ts";

/** What the portal takes from the config (docs/configuration.md, "Portal"). */
export interface PortalSettings {
  readonly idleMinutes: number;
  readonly absoluteHours: number;
  readonly loginSlowAfter: number;
  readonly loginMaxPerAccount: number;
  readonly loginMaxPerAddress: number;
  readonly loginWindowMinutes: number;
  readonly loginMaxDelayMs: number;
  readonly linkHours: number;
  readonly codeMinutes: number;
  /** Base URL for emailed links, with a trailing slash. */
  portalUrl: string;
}

export interface PortalOptions {
  readonly settings: PortalSettings;
  readonly mailer: Mailer;
  readonly sip: SipSettings;
  readonly importLimitBytes: number;
  /** Config importMaxRows. */
  readonly importMaxRows?: number;
  /** The server's import worker (src/onboarding/off-thread.ts), shared with the admin API. */
  readonly imports?: ImportRunner;
}

export function portalSettingsFrom(config: Config): PortalSettings {
  return {
    idleMinutes: config.portalIdleMinutes,
    absoluteHours: config.portalAbsoluteHours,
    loginSlowAfter: config.portalLoginSlowAfter,
    loginMaxPerAccount: config.portalLoginMaxPerAccount,
    loginMaxPerAddress: config.portalLoginMaxPerAddress,
    loginWindowMinutes: config.portalLoginWindowMinutes,
    loginMaxDelayMs: config.portalLoginMaxDelayMs,
    linkHours: config.portalLinkHours,
    codeMinutes: config.portalCodeMinutes,
    portalUrl: config.portalUrl,
  };
}
