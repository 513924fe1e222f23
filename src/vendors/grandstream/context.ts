import type { LineConfig, PhoneConfig, SipTransport } from "../../domain/phone-config.ts";
import { domainRegistrar } from "../shared/sip-targets.ts";
import { aliasKeys, aliasSoftkeys, type AliasKey, type AliasSoftkey } from "./keys.ts";
import type { GrandstreamModel } from "./models.ts";
import { phoneWideCallWaiting } from "../shared/call-waiting.ts";
import { grandstreamTimeZone, type GrandstreamTimeZone } from "./time-zones.ts";

/** `provisioning.auto.minute` range "60 - 5256000" (public GRP26xx alias template). */
const ALIAS_RESYNC_MINUTES = { min: 60, max: 5_256_000 } as const;
/** P32 / registerExpiration range "1 - 64800" minutes (FPBX gxp2140 comments). */
const EXPIRES_MINUTES = { min: 1, max: 64800 } as const;

const clamp = (v: number, r: { min: number; max: number }): number => Math.min(r.max, Math.max(r.min, v));

/** Settings shared by both formats, already in Grandstream's units. */
export interface CommonContext {
  readonly mac: string;
  readonly adminPassword: string;
  readonly ntp1: string;
  /** Empty when the tenant has a single NTP server. */
  readonly ntp2: string;
  /** `dateTime.timezone` (a list option or `customize`) and `dateTime.timezone.custom` (time-zones.ts). */
  readonly timeZone: GrandstreamTimeZone;
  readonly provisioning: {
    /** `provisioning.config.protocol`: HTTP / HTTPS. */
    readonly aliasProtocol: string;
    /** Host[:port]/path without scheme and without trailing slash (P237 takes no scheme). */
    readonly serverPath: string;
    readonly username: string;
    readonly password: string;
    /** `provisioning.auto.mode`: No / YesUpgradeMin ("Check at a Period Time"). */
    readonly aliasAutoMode: string;
    readonly aliasMinutes: number;
    /** P1359 / `provisioning.config.filePassword`; empty = the tenant does not encrypt configs. */
    readonly filePassword: string;
  };
  /**
   * Action URLs for registration events, or null. The phone substitutes `$active_user` and
   * `$phone_ip` (GRP26xx/GXP17xx Administration Guides, "Action URL – Supported Dynamic Variables").
   */
  readonly events: { readonly registered: string; readonly unregistered: string } | null;
  /**
   * Firmware source and check rule, always written so that the firmware changes only when the
   * tenant pins an image (GRP261x 1.0.9.103 and GXP21xx 1.0.11.79 templates, kept in fusionpbx
   * grandstream/grp2614 and gxp2140 `{$mac}.xml`: `provisioning.firmware.checkCondition` = P238,
   * "AlwaysCheck (default), CheckWhenChange, SkipCheck"; `provisioning.firmware.serverPath` = P192;
   * `provisioning.firmware.protocol` = P6767, "TFTP, HTTP, HTTPS"):
   * - the server path is ours in every case, never the factory one (FPBX always sets P192);
   * - pinned: the phone fetches `<prefix><its own image name><postfix>` from it (vendors.md G1/G3).
   *   Our served name is `<version>-<original>`, so the prefix is `<version>-`, the postfix empty,
   *   and `AlwaysCheck` lets the phone compare on every check and converge on the pin;
   * - not pinned: `SkipCheck`, so the periodic check (`provisioning.auto.mode`, P194) re-reads the
   *   configuration only and an image found on the server path is never installed.
   */
  readonly firmware: {
    readonly serverPath: string;
    readonly protocol: string;
    readonly checkCondition: "AlwaysCheck" | "SkipCheck";
    /** Null when not pinned: prefix and postfix are then left alone. */
    readonly prefix: string | null;
  };
}

/** P237 / `provisioning.config.serverPath`: the base URL without `http(s)://` and trailing `/`. */
function splitBaseUrl(baseUrl: string): { https: boolean; serverPath: string } {
  const m = /^(https?):\/\/(.*)$/i.exec(baseUrl.trim());
  const rest = m ? m[2]! : baseUrl.trim();
  return { https: m?.[1]!.toLowerCase() === "https", serverPath: rest.replace(/\/+$/, "") };
}

function commonContext(config: PhoneConfig): CommonContext {
  const { https, serverPath } = splitBaseUrl(config.provisioning.baseUrl);
  const minutes = config.provisioning.resyncMinutes;
  return {
    mac: config.device.mac,
    adminPassword: config.device.adminPassword,
    ntp1: config.time.ntpServers[0] ?? "",
    ntp2: config.time.ntpServers[1] ?? "",
    timeZone: grandstreamTimeZone(config.time.zone),
    provisioning: {
      aliasProtocol: https ? "HTTPS" : "HTTP",
      serverPath,
      username: config.provisioning.username,
      password: config.provisioning.password,
      // resyncMinutes 0 turns the periodic check off; otherwise clamp into the phone's range.
      aliasAutoMode: minutes > 0 ? "YesUpgradeMin" : "No",
      aliasMinutes: clamp(minutes, ALIAS_RESYNC_MINUTES),
      filePassword: config.provisioning.configFilePassword ?? "",
    },
    events: config.events
      ? {
          registered: `${config.events.url}/registered?account=$active_user&ip=$phone_ip`,
          unregistered: `${config.events.url}/unregistered?account=$active_user&ip=$phone_ip`,
        }
      : null,
    firmware: {
      serverPath,
      protocol: https ? "HTTPS" : "HTTP",
      checkCondition: config.firmware ? "AlwaysCheck" : "SkipCheck",
      prefix: config.firmware ? config.firmware.fileName.slice(0, -config.firmware.originalName.length) : null,
    },
  };
}

/** One SIP account as both formats need it; a slot without a line is switched off and emptied. */
interface AccountValues {
  readonly index: number;
  readonly accountName: string;
  readonly server: string;
  readonly outboundProxy: string;
  readonly userId: string;
  readonly authId: string;
  readonly password: string;
  readonly displayName: string;
  readonly voicemail: string;
  readonly expiresMinutes: number;
  readonly transport: SipTransport;
  readonly pickupPrefix: string;
  readonly dndOn: string;
  readonly dndOff: string;
  readonly forwardOn: string;
  readonly forwardOff: string;
  /** SUBSCRIBE for MWI: off when the extension's unanswered calls end instead of going to voicemail. */
  readonly mwiOn: string;
  readonly mwiYes: string;
}

function accountValues(config: PhoneConfig, index: number, line: LineConfig | undefined): AccountValues {
  const { server, registerExpires } = config.sip;
  const registrar = domainRegistrar(config.sip);
  const outboundProxy = registrar.outboundProxy;
  const codes = config.featureCodes;
  return {
    index,
    accountName: line?.label ?? "",
    // `host:port` as FPBX writes P47; the alias field takes "host[:port]" (vendors.md G3).
    server: line ? `${registrar.host}:${registrar.port}` : "",
    outboundProxy: line && outboundProxy ? `${outboundProxy.host}:${outboundProxy.port}` : "",
    userId: line?.userName ?? "",
    authId: line?.authName ?? "",
    password: line?.password ?? "",
    displayName: line?.displayName ?? "",
    voicemail: line?.voicemailNumber ?? "",
    // REGISTER expiry is in MINUTES on Grandstream (P32; FPBX converts seconds to minutes).
    expiresMinutes: clamp(Math.ceil(registerExpires / 60), EXPIRES_MINUTES),
    transport: server.transport,
    pickupPrefix: codes.directed_pickup,
    dndOn: codes.dnd_on,
    dndOff: codes.dnd_off,
    forwardOn: codes.forward_on,
    forwardOff: codes.forward_off,
    // Strings: every context value goes through the encoder, so booleans would become "false".
    mwiOn: line?.voicemailEnabled === false ? "0" : "1",
    mwiYes: line?.voicemailEnabled === false ? "No" : "Yes",
  };
}

/** The lines the model has room for: the accounts that get an automatic line key. */
const usedLines = (config: PhoneConfig, model: GrandstreamModel): LineConfig[] => config.lines.filter((l) => l.index >= 1 && l.index <= model.lines);

/**
 * Every account slot of the model: configured lines, and the free slots, which are switched off and
 * emptied so a line removed from the phone (force-unregister) stops registering with old credentials.
 */
function accounts(config: PhoneConfig, model: GrandstreamModel): { used: AccountValues[]; unused: AccountValues[] } {
  const used: AccountValues[] = [];
  const unused: AccountValues[] = [];
  for (let i = 1; i <= model.lines; i++) {
    const line = config.lines.find((l) => l.index === i);
    (line ? used : unused).push(accountValues(config, i, line));
  }
  return { used, unused };
}

const ALIAS_TRANSPORT: Readonly<Record<SipTransport, string>> = { udp: "UDP", tcp: "TCP", tls: "TlsOrTcp" };

type AliasAccount = AccountValues & { readonly transportName: string };

export interface AliasContext {
  readonly common: CommonContext;
  readonly accounts: readonly AliasAccount[];
  readonly unusedAccounts: readonly AliasAccount[];
  readonly keys: readonly AliasKey[];
  readonly softkeys: readonly AliasSoftkey[];
  /** `call.callWaiting.enable` Yes/No. */
  readonly callWaiting: string;
  /**
   * "1" on GXP21xx, "" on GRP26xx: the items only one family's template names (DHCP override
   * options). A string: encodeDeep would turn `false` into the truthy "false".
   */
  readonly gxp: string;
}

export function buildAliasContext(config: PhoneConfig, model: GrandstreamModel): AliasContext {
  const withName = (a: AccountValues): AliasAccount => ({ ...a, transportName: ALIAS_TRANSPORT[a.transport] });
  const { used, unused } = accounts(config, model);
  return {
    common: commonContext(config),
    accounts: used.map(withName),
    unusedAccounts: unused.map(withName),
    keys: aliasKeys(config.keys, model, usedLines(config, model)),
    softkeys: aliasSoftkeys(config.softkeys, model.softkeys),
    callWaiting: phoneWideCallWaiting(config) ? "Yes" : "No",
    gxp: model.family === "gxp21xx" ? "1" : "",
  };
}
