import type { LineConfig, PhoneConfig, SipTransport } from "../../domain/phone-config.ts";
import { withLineKeys } from "../shared/line-keys.ts";
import { domainRegistrar } from "../shared/sip-targets.ts";
import { deviceFileName } from "./files.ts";
import { buildExpansionKeys, buildLineKeys, buildSoftkeys, type ExpansionKeyContext, type LineKeyContext, type SoftkeyContext } from "./keys.ts";
import { COMMON_FILE_IDS, commonFileName, modelsWithCommonFile, type YealinkModel } from "./models.ts";
import { buildTime, type YealinkTime } from "./time.ts";
import { phoneWideCallWaiting } from "../shared/call-waiting.ts";

/** `account.X.sip_server.Y.transport_type`: 0 UDP, 1 TCP, 2 TLS (vendors.md Y3). */
const TRANSPORT_TYPE: Readonly<Record<SipTransport, string>> = { udp: "0", tcp: "1", tls: "2" };

export interface AccountContext {
  readonly index: string;
  readonly label: string;
  readonly displayName: string;
  readonly userName: string;
  readonly authName: string;
  readonly password: string;
  readonly serverHost: string;
  readonly serverPort: string;
  readonly transportType: string;
  readonly expires: string;
  readonly outboundProxy: { readonly host: string; readonly port: string } | null;
  readonly voicemail: string;
  /** `account.X.subscribe_mwi`: 0 when the extension's unanswered calls end (no voicemail). */
  readonly subscribeMwi: string;
  /** `account.X.anonymous_call` 0/1 (Admin Guide T5 "Anonymous Call Configuration"). */
  readonly anonymousCall: string;
  readonly dndOn: string;
  readonly dndOff: string;
  readonly forwardOn: string;
  readonly forwardOff: string;
  readonly directPickup: string;
}

export interface DeviceContext {
  readonly accounts: AccountContext[];
  /** Account numbers the model has but this phone does not use: disabled, secrets cleared. */
  readonly unusedAccounts: string[];
  readonly lineKeys: LineKeyContext[];
  /**
   * DECT bases only (family `dect`): handset N takes account N and the line's display name
   * (templates/yealink/partials/handsets.hbs). Empty for desk phones.
   */
  readonly handsets: { readonly index: string; readonly name: string }[];
  /** Keys of the attached expansion modules, module by module. */
  readonly expansionKeys: ExpansionKeyContext[];
  readonly softkeys: SoftkeyContext[];
  /** `call_waiting.enable` is phone-wide: it follows line 1 (shared/call-waiting.ts). */
  readonly callWaiting: string;
  readonly time: YealinkTime;
  readonly provisioning: {
    readonly url: string;
    readonly username: string;
    readonly password: string;
    readonly repeatEnable: string;
    readonly repeatMinutes: string | null;
  };
  readonly adminPassword: string;
  /** `static.firmware.url`, only when the tenant pinned an image for this model. */
  readonly firmwareUrl: string | null;
  /** Action URLs for registration events, or null when the device has no event URL. */
  readonly events: YealinkEvents | null;
}

/**
 * `action_url.registered` / `.unregistered` / `.register_failed` (Yealink Admin Guide for
 * T2/T4/T5/CP920, "Action URL", https://www.easymanua.ls/yealink/t21pe2/manual?p=450). The phone
 * substitutes `$active_user` (user part of the account's SIP URI) and `$ip` (same guide, "Variable
 * Values List"; https://manualshive.com/ru/manual/yealink/sip-t2xp/909198?page=355).
 */
export interface YealinkEvents {
  readonly registered: string;
  readonly unregistered: string;
  readonly registerFailed: string;
}

function buildEvents(config: PhoneConfig): YealinkEvents | null {
  if (!config.events) return null;
  const url = (event: string) => `${config.events!.url}/${event}?account=$active_user&ip=$ip`;
  return { registered: url("registered"), unregistered: url("unregistered"), registerFailed: url("register_failed") };
}

function buildAccount(line: LineConfig, config: PhoneConfig): AccountContext {
  const { server, registerExpires } = config.sip;
  const registrar = domainRegistrar(config.sip);
  const outboundProxy = registrar.outboundProxy;
  const codes = config.featureCodes;
  return {
    index: String(line.index),
    label: line.label,
    displayName: line.displayName,
    userName: line.userName,
    authName: line.authName,
    password: line.password,
    serverHost: registrar.host,
    serverPort: String(registrar.port),
    transportType: TRANSPORT_TYPE[server.transport],
    expires: String(registerExpires),
    outboundProxy: outboundProxy ? { host: outboundProxy.host, port: String(outboundProxy.port) } : null,
    voicemail: line.voicemailNumber,
    subscribeMwi: line.voicemailEnabled === false ? "0" : "1",
    anonymousCall: line.anonymous === true ? "1" : "0",
    dndOn: codes.dnd_on,
    dndOff: codes.dnd_off,
    forwardOn: codes.forward_on,
    forwardOff: codes.forward_off,
    directPickup: codes.directed_pickup,
  };
}

/** Everything `<mac>.cfg` prints, derived here so the template only prints and loops. */
export function buildDeviceContext(config: PhoneConfig, model: YealinkModel): DeviceContext {
  const lines = config.lines.filter((l) => l.index >= 1 && l.index <= model.lines);
  const used = new Set(lines.map((l) => l.index));
  const unusedAccounts: string[] = [];
  for (let i = 1; i <= model.lines; i++) if (!used.has(i)) unusedAccounts.push(String(i));
  const resync = config.provisioning.resyncMinutes;
  // Each used account keeps a type-15 line key unless a `none` key gives it away (shared/line-keys.ts).
  const keys = withLineKeys(config.keys, lines, model.lineKeySlots ?? model.keys);
  return {
    accounts: lines.map((l) => buildAccount(l, config)),
    unusedAccounts,
    lineKeys: buildLineKeys(model, keys, lines),
    handsets: model.family === "dect" ? lines.map((l) => ({ index: String(l.index), name: l.displayName || l.label })) : [],
    expansionKeys: buildExpansionKeys(model, config.device.expansionModules, keys, lines),
    softkeys: buildSoftkeys(config.softkeys),
    callWaiting: phoneWideCallWaiting(config) ? "1" : "0",
    time: buildTime(config.time.zone, config.time.ntpServers),
    provisioning: {
      url: config.provisioning.baseUrl,
      username: config.provisioning.username,
      password: config.provisioning.password,
      repeatEnable: resync > 0 ? "1" : "0",
      repeatMinutes: resync > 0 ? String(resync) : null,
    },
    adminPassword: config.device.adminPassword,
    events: buildEvents(config),
    // static.firmware.url: full URL of the .rom (vendors.md Y3 "Firmware").
    firmwareUrl: config.firmware?.url ?? null,
  };
}

/** `<mac>.boot`: the model common file, then the phone's own file; later files override earlier ones. */
export function buildMacBootContext(config: PhoneConfig, model: YealinkModel): { includes: string[] } {
  return { includes: [commonFileName(model.commonFileId), deviceFileName(config.device.mac)] };
}

/**
 * `y000000000000.boot`: one line per model, `[<model>]include:config "<common file>"`, the model
 * section prefixing the include on the same line (FusionPBX yealink/t2x, t4x and t5x
 * `y000000000000.boot`: `[T54W]include:config "y000000000096.cfg"`).
 */
export function buildCommonBootContext(): { sections: { model: string; file: string }[] } {
  return {
    sections: COMMON_FILE_IDS.flatMap((id) => modelsWithCommonFile(id).map((m) => ({ model: m.id, file: commonFileName(id) }))),
  };
}

/** `y0000000000XX.cfg`: nothing tenant- or model-specific; the model names only go into a comment. */
export function buildModelCommonContext(commonFileId: string): { models: string } {
  return { models: modelsWithCommonFile(commonFileId).map((m) => m.id).join(", ") };
}
