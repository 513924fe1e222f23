import { describeTimeZone } from "../../src/domain/time-zone.ts";
import { DEFAULT_FEATURE_CODES, STANDARD_SOFTKEYS } from "../../src/domain/feature-codes.ts";
import type { Mac } from "../../src/domain/mac.ts";
import type { KeyConfig, LineConfig, PhoneConfig, VendorId } from "../../src/domain/phone-config.ts";

/** A fixed instant for golden files: rendering never reads the clock. */
export const GOLDEN_NOW = new Date("2026-06-01T12:00:00Z");

export function buildLine(index: number, extension: string, overrides: Partial<LineConfig> = {}): LineConfig {
  return {
    index,
    extension,
    displayName: `Extension ${extension}`,
    label: extension,
    userName: extension,
    authName: extension,
    password: `pw-${extension}-0123456789abcdef`,
    voicemailNumber: DEFAULT_FEATURE_CODES.voicemail,
    ...overrides,
  };
}

export function blf(index: number, target: string, line = 1): KeyConfig {
  const pickupPrefix = DEFAULT_FEATURE_CODES.directed_pickup;
  return { index, kind: "blf", label: target, line, target, pickupPrefix, pickupCode: `${pickupPrefix}${target}` };
}

/**
 * A phone config as the resolver would produce it; tests override what they look at.
 * The default is a one-line phone on demo.example with the standard softkeys.
 */
export function buildPhoneConfig(
  vendor: VendorId,
  model: string,
  mac: string,
  overrides: Partial<PhoneConfig> = {},
): PhoneConfig {
  const codes = DEFAULT_FEATURE_CODES;
  return {
    device: { mac: mac as Mac, vendor, model, label: "Front desk", adminPassword: "Adm1n-Secret-42", expansionModules: 0 },
    provisioning: {
      baseUrl: "http://prov.demo.example:8080/",
      username: `ph${mac}`,
      password: "prov-secret-abcdef0123456789",
      resyncMinutes: 1440,
    },
    sip: {
      domain: "demo.example",
      server: { host: "pbx.demo.example", port: 5060, transport: "udp" },
      outboundProxy: null,
      registerExpires: 3600,
    },
    time: { zone: describeTimeZone("America/New_York", GOLDEN_NOW), ntpServers: ["0.pool.ntp.org", "1.pool.ntp.org"] },
    lines: [buildLine(1, "101")],
    keys: [],
    softkeys: STANDARD_SOFTKEYS.map((s) => ({ ...s, code: codes[s.feature] })),
    featureCodes: codes,
    events: { url: `http://prov.demo.example:8080/events/${mac}/Ev3ntS3cret0123456789ab` },
    firmware: null,
    ...overrides,
  };
}
