import type { LineConfig, PhoneConfig, SipTransport } from "../../domain/phone-config.ts";
import { domainRegistrar } from "../shared/sip-targets.ts";
import { buildKeyTables, buildSoftkeys, type DirectoryRow } from "./keys.ts";
import type { PolycomModel } from "./models.ts";
import { polycomTime } from "./time.ts";
import { phoneWideCallWaiting } from "../shared/call-waiting.ts";

// reg.x.server.y.transport values (vendors.md P3; Wazo common.py `_SIP_TRANSPORT`).
const TRANSPORT: Readonly<Record<SipTransport, string>> = { udp: "UDPOnly", tcp: "TCPOnly", tls: "TLS" };
// prov.polling.mode `rel` needs a period "greater than 3600" seconds (vendors.md P3).
const MIN_POLLING_SECONDS = 3601;
/** Firmware is managed later: `sip.ld` is the documented default APP_FILE_PATH (P1, Wazo master file). */
export const APP_FILE_PATH = "sip.ld";

/**
 * `device.prov.serverName` takes host[:port]/path without a scheme; the scheme goes to
 * `device.prov.serverType` (vendors.md P3; a scheme in the name would override the type, P1).
 */
function provisioningServer(baseUrl: string): { serverName: string; serverType: string } {
  const url = new URL(baseUrl);
  const path = url.pathname.replace(/\/+$/, "");
  return { serverName: `${url.host}${path}`, serverType: url.protocol === "https:" ? "HTTPS" : "HTTP" };
}

function lineContext(line: LineConfig, config: PhoneConfig) {
  const { server, domain, registerExpires } = config.sip;
  // Server field = the SIP domain, packets through the proxy: the rule shared with Yealink and Grandstream.
  const registrar = domainRegistrar(config.sip);
  const outboundProxy = registrar.outboundProxy;
  const transport = TRANSPORT[server.transport];
  return {
    index: line.index,
    address: `${line.userName}@${domain}`,
    label: line.label,
    displayName: line.displayName,
    userId: line.authName,
    password: line.password,
    server: { address: registrar.host, port: registrar.port, transport, expires: registerExpires },
    outboundProxy: outboundProxy ? { address: outboundProxy.host, port: outboundProxy.port, transport } : null,
    // An empty msg.mwi.x.subscribe subscribes to nothing: no voicemail, no MWI.
    mwiSubscribe: line.voicemailEnabled === false ? "" : `${line.userName}@${domain}`,
    voicemail: line.voicemailNumber,
  };
}

export function buildDeviceContext(config: PhoneConfig, model: PolycomModel) {
  const lines = config.lines.filter((l) => l.index >= 1 && l.index <= model.lines);
  const keys = buildKeyTables(config, model, model.lines);
  const firstBlf = config.keys.find((k) => k.kind === "blf");
  const resync = config.provisioning.resyncMinutes;
  return {
    model: model.id,
    adminPassword: config.device.adminPassword,
    prov: {
      ...provisioningServer(config.provisioning.baseUrl),
      user: config.provisioning.username,
      password: config.provisioning.password,
      pollingEnabled: resync > 0 ? "1" : "0",
      pollingPeriod: Math.max(MIN_POLLING_SECONDS, resync * 60),
    },
    lines: lines.map((l) => lineContext(l, config)),
    pickupString: config.featureCodes.directed_pickup,
    // call.callWaiting.enable is phone-wide (Wazo polycom base.tpl writes "0"/"1"); follows line 1.
    callWaiting: phoneWideCallWaiting(config) ? "1" : "0",
    attendantReg: firstBlf?.line ?? 1,
    ...keys,
    // Soft-key actions are macro strings: they need Enhanced Feature Keys on (vendors.md P4).
    efkEnabled: config.softkeys.length > 0 ? "1" : "0",
    // The directory backs the speed-dial keys and is replaced at every boot: read-only on the phone
    // ("If 'Enabled', the local contact directory is read-only", excaliburpartners/polycomphones).
    directoryReadOnly: keys.speedDials.length > 0 ? "1" : "",
    softkeys: buildSoftkeys(config.softkeys),
    time: { ...polycomTime(config.time.zone), ntp: config.time.ntpServers[0] ?? null },
    // Telephony event notification: the phone POSTs <LineRegistrationEvent> XML to this URL
    // (docs/vendors/polycom.md, "Registration events").
    events: config.events ? { url: config.events.url } : null,
  };
}

/** `<mac>-directory.xml`, or null when the phone has no speed-dial key (the file is then not served). */
export function buildDirectoryContext(config: PhoneConfig, model: PolycomModel): { items: readonly DirectoryRow[] } | null {
  const { speedDials } = buildKeyTables(config, model, model.lines);
  return speedDials.length > 0 ? { items: speedDials } : null;
}
