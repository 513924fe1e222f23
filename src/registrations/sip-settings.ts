import type { Config } from "../config.ts";
import type { NotifySettings } from "../sip/notify.ts";
import type { ThrottleSettings } from "../sip/throttle.ts";

/** Everything the NOTIFY actions and the tracker take from the configuration. */
export interface SipSettings {
  readonly notify: NotifySettings;
  readonly throttle: ThrottleSettings;
  readonly forceUnregisterTimeoutMs: number;
  readonly checkMs: number;
}

type SipConfig = Pick<
  Config,
  "sipBindHost" | "sipAdvertisedHost" | "sipT1Ms" | "sipT2Ms" | "sipTimerFMs" | "notifyRatePerSecond" | "notifyJitterMs" | "forceUnregisterTimeoutSeconds" | "registrationCheckMs"
>;

export function sipSettingsFrom(c: SipConfig): SipSettings {
  return {
    notify: {
      timers: { t1Ms: c.sipT1Ms, t2Ms: c.sipT2Ms, timerFMs: c.sipTimerFMs },
      socket: { bindHost: c.sipBindHost, ...(c.sipAdvertisedHost ? { advertisedHost: c.sipAdvertisedHost } : {}) },
    },
    throttle: { ratePerSecond: c.notifyRatePerSecond, jitterMs: c.notifyJitterMs },
    forceUnregisterTimeoutMs: c.forceUnregisterTimeoutSeconds * 1000,
    checkMs: c.registrationCheckMs,
  };
}

/** RFC 3261 defaults (T1 500 ms, T2 4 s, Timer F 64*T1), used when no config is at hand. */
export const DEFAULT_SIP_SETTINGS: SipSettings = sipSettingsFrom({
  sipBindHost: "0.0.0.0",
  sipAdvertisedHost: undefined,
  sipT1Ms: 500,
  sipT2Ms: 4000,
  sipTimerFMs: 32_000,
  notifyRatePerSecond: 10,
  notifyJitterMs: 500,
  forceUnregisterTimeoutSeconds: 900,
  registrationCheckMs: 1000,
});
