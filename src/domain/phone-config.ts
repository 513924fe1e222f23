import type { FeatureCodes, FeatureName } from "./feature-codes.ts";
import type { Mac } from "./mac.ts";
import type { TimeZoneInfo } from "./time-zone.ts";

/**
 * The vendors phonehome serves: the one list. The registry (src/vendors/registry.ts) must hold an
 * adapter for each, and the schema's vendor columns take their values from it.
 */
export const VENDOR_IDS = ["yealink", "polycom", "grandstream"] as const;
export type VendorId = (typeof VENDOR_IDS)[number];
export type SipTransport = "udp" | "tcp" | "tls";

/**
 * Everything a vendor adapter needs to render one phone's device files, resolved from the
 * database: vendor-neutral, plain data, secrets in clear text (it never leaves the process
 * except inside a rendered file).
 */
export interface PhoneConfig {
  readonly device: {
    readonly mac: Mac;
    readonly vendor: VendorId;
    readonly model: string;
    readonly label: string | null;
    /** Unique random password for the phone's own web UI / admin menu. */
    readonly adminPassword: string;
    /** Expansion modules attached; key indexes after the model's own keys address them in order. */
    readonly expansionModules: number;
  };
  readonly provisioning: {
    /** Absolute URL the phone fetches its files from, always ending in `/`. */
    readonly baseUrl: string;
    readonly username: string;
    readonly password: string;
    /** Periodic re-fetch interval in minutes; 0 disables periodic resync. */
    readonly resyncMinutes: number;
    /**
     * Per-device password of encrypted config files (Grandstream P1359), when the tenant encrypts
     * configs; absent otherwise. See src/provisioning/config-encryption.ts.
     */
    readonly configFilePassword?: string;
  };
  readonly sip: {
    readonly domain: string;
    readonly server: { readonly host: string; readonly port: number; readonly transport: SipTransport };
    readonly outboundProxy: { readonly host: string; readonly port: number } | null;
    /** REGISTER expiry in seconds. */
    readonly registerExpires: number;
  };
  readonly time: { readonly zone: TimeZoneInfo; readonly ntpServers: readonly string[] };
  /** Accounts in line order; `index` is the 1-based account number on the phone. */
  readonly lines: readonly LineConfig[];
  /** Programmable line keys by 1-based key index, sorted; gaps are unassigned keys. */
  readonly keys: readonly KeyConfig[];
  /** Idle-screen softkeys dialling tenant star codes, in display order. */
  readonly softkeys: readonly SoftkeyConfig[];
  readonly featureCodes: FeatureCodes;
  /**
   * Where the phone reports registration events (the phone-facing listener), or null when the
   * device has no event secret yet. `url` already carries the per-device secret; vendors append
   * `/<event>` and their own variables.
   */
  readonly events: { readonly url: string } | null;
  /** Target firmware the tenant pinned for this model; null = leave the phone's firmware alone. */
  readonly firmware: FirmwareTarget | null;
}

/** A catalogued image, fetched by `fileName` from the provisioning base URL (HTTP or TFTP). */
export interface FirmwareTarget {
  readonly version: string;
  /** Name the image is served under: `<version>-<originalName>`. */
  readonly fileName: string;
  /** The vendor's own file name (sanitised); `fileName` ends with it. */
  readonly originalName: string;
  /** `provisioning.baseUrl` + `fileName`. */
  readonly url: string;
}

export interface LineConfig {
  readonly index: number;
  readonly extension: string;
  readonly displayName: string;
  /** Short text for the line key: the extension number. */
  readonly label: string;
  readonly userName: string;
  readonly authName: string;
  readonly password: string;
  /** Number the phone dials to reach voicemail for this line. */
  readonly voicemailNumber: string;
  /**
   * Extension settings that phones have parameters for (docs/extensions.md). Absent = the
   * behaviour before these settings existed: voicemail with MWI, call waiting on, number shown.
   */
  /** Voicemail: unanswered calls go to voicemail; off = no MWI subscription. */
  readonly voicemailEnabled?: boolean;
  /** Call waiting & holding: calls are queued (a second call may ring in during a call). */
  readonly callWaiting?: boolean;
  /** Number settings: outgoing calls are anonymous. */
  readonly anonymous?: boolean;
}

interface KeyBase {
  readonly index: number;
  readonly label: string;
  /** 1-based account index the key uses. */
  readonly line: number;
}

export type KeyConfig =
  | (KeyBase & { readonly kind: "line" })
  | (KeyBase & {
      readonly kind: "blf";
      /** Monitored extension number. */
      readonly target: string;
      /** Directed-pickup prefix from the tenant's codes, e.g. `*35`. */
      readonly pickupPrefix: string;
      /** Full directed-pickup dial string, e.g. `*35102`. */
      readonly pickupCode: string;
    })
  | (KeyBase & { readonly kind: "speed_dial"; readonly number: string })
  | (KeyBase & { readonly kind: "park"; readonly code: string })
  | (KeyBase & { readonly kind: "feature"; readonly feature: FeatureName; readonly code: string })
  /**
   * A key left empty on purpose. On the key of a line's own number it gives that line's key away:
   * the line then gets no automatic line key (src/vendors/shared/line-keys.ts).
   */
  | (KeyBase & { readonly kind: "none" });

export type KeyKind = KeyConfig["kind"];
export const KEY_KINDS = ["line", "blf", "speed_dial", "park", "feature", "none"] as const satisfies readonly KeyKind[];

export interface SoftkeyConfig {
  readonly feature: FeatureName;
  readonly label: string;
  readonly code: string;
}
