import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { grandstream } from "../../../src/vendors/grandstream/index.ts";
import { builtinTemplates } from "../../helpers/templates.ts";
import type { KeyConfig, PhoneConfig } from "../../../src/domain/phone-config.ts";
import { blf, buildLine, buildPhoneConfig } from "../../helpers/phone-config.ts";

const templates = builtinTemplates("grandstream");

const FPBX = "FPBX grandstream/gxp2140/{$mac}.xml";
// Every P-value the GXP21xx file may carry, with its source. Kept here, apart from src/, so a
// number invented in the adapter fails this test.
const PVALUE_SOURCES: Readonly<Record<string, string>> = {
  ...perAccount(["P271", "P401", "P501", "P601"], "account active — vendors.md G2/G3"),
  ...perAccount(["P270", "P417", "P517", "P617"], "account name — vendors.md G2/G3"),
  ...perAccount(["P47", "P402", "P502", "P602"], "SIP server — vendors.md G2/G3"),
  ...perAccount(["P48", "P403", "P503", "P603"], "outbound proxy — vendors.md G2/G3"),
  ...perAccount(["P35", "P404", "P504", "P604"], "SIP user ID — vendors.md G2/G3"),
  ...perAccount(["P36", "P405", "P505", "P605"], "authenticate ID — vendors.md G2/G3"),
  ...perAccount(["P34", "P406", "P506", "P606"], "password — vendors.md G2/G3"),
  ...perAccount(["P3", "P407", "P507", "P607"], "display name — vendors.md G2/G3"),
  ...perAccount(["P33", "P426", "P526", "P626"], "voicemail — vendors.md G2/G3"),
  ...perAccount(["P99", "P415", "P515", "P615"], `SUBSCRIBE for MWI — vendors.md G3, ${FPBX}`),
  ...perAccount(["P31", "P410", "P510", "P610"], `SIP registration — vendors.md G3, ${FPBX}`),
  ...perAccount(["P32", "P412", "P512", "P612"], `register expiration (minutes) — vendors.md G3, ${FPBX}`),
  ...perAccount(["P130", "P448", "P548", "P648"], `SIP transport — vendors.md G3, ${FPBX}`),
  ...perAccount(["P191", "P420", "P520", "P620"], `Enable Call Features — vendors.md G3, ${FPBX}, Wazo base.tpl`),
  ...perAccount(["P2344", "P2444", "P2544", "P2644"], `DND on code — vendors.md G3, ${FPBX}`),
  ...perAccount(["P2345", "P2445", "P2545", "P2645"], `DND off code — vendors.md G3, ${FPBX}`),
  ...perAccount(["P26013", "P26113", "P26213", "P26313"], `call forward all on — ${FPBX}`),
  ...perAccount(["P26014", "P26114", "P26214", "P26314"], `call forward all off — ${FPBX}`),
  ...perAccount(["P6752", "P6753", "P6754", "P6755"], `BLF call-pickup mode — ${FPBX}`),
  ...perAccount(["P1347", "P481", "P581", "P681"], `BLF call-pickup prefix — vendors.md G4, ${FPBX}`),
  P91: "Disable Call Waiting (0 No, 1 Yes) — Grandstream GXP config template comments in public provisioning repositories",
  P2: "admin password — vendors.md G3",
  P30: "NTP server — vendors.md G3",
  P144: "allow DHCP option 42 — vendors.md G3",
  P64: "time zone — vendors.md G3",
  P246: "self-defined time zone (with P64=customize) — public P-value generators, docs/vendors/grandstream.md",
  P212: "config upgrade via — vendors.md G1/G3",
  P237: "config server path — vendors.md G1/G3",
  P1360: "config server user — vendors.md G3",
  P1361: "config server password — vendors.md G3",
  P1359: "XML config file password — vendors.md G7, Grandstream XML Provisioning Guide (XML file encryption)",
  P194: "automatic upgrade mode — vendors.md G3",
  P193: "automatic upgrade interval (minutes) — vendors.md G3",
  P8305: "Action URL Registered — GRP26xx Administration Guide, Action URL P-values (docs/vendors/grandstream.md)",
  P8306: "Action URL Unregistered — GRP26xx Administration Guide, Action URL P-values (docs/vendors/grandstream.md)",
  P192: "firmware server path — vendors.md G3",
  P232: "firmware file prefix — vendors.md G3",
  P233: "firmware file postfix — vendors.md G3",
  ...vpkPValues(),
};

function perAccount(names: readonly string[], source: string): Record<string, string> {
  return Object.fromEntries(names.map((n) => [n, source]));
}

// VPK 1..6 P1363.. and 7..48 P23800.., written out from the FPBX comments ("VPK 5 ~~ Dynamic VPK: P1371",
// "VPK 7: P23800", "line 7 to 48 are sequential starting at 23800 in groups of 4").
function vpkPValues(): Record<string, string> {
  const out: Record<string, string> = {};
  for (let n = 1; n <= 6; n++) {
    const b = 1363 + 2 * (n - 1);
    for (const p of [b, b + 1, b + 102, b + 103]) out[`P${p}`] = `VPK ${n} — vendors.md G4, ${FPBX}`;
  }
  for (let n = 7; n <= 48; n++) {
    const b = 23800 + 4 * (n - 7);
    for (const p of [b, b + 1, b + 2, b + 3]) out[`P${p}`] = `VPK ${n} — ${FPBX}`;
  }
  return out;
}

const ALIAS = "public GRP26xx alias template (docs/vendors/grandstream.md)";
// Alias names with the account / key index replaced by N.
const ALIAS_SOURCES: Readonly<Record<string, string>> = {
  "account.N.enable": "vendors.md G3",
  "account.N.name": "vendors.md G3",
  "account.N.sip.server.1.address": "vendors.md G3",
  "account.N.sip.outboundProxy.1.address": "vendors.md G3",
  "account.N.sip.userid": "vendors.md G3",
  "account.N.sip.subscriber.userid": "vendors.md G3",
  "account.N.sip.subscriber.password": "vendors.md G3",
  "account.N.sip.subscriber.name": "vendors.md G3",
  "account.N.sip.voicemail.number": "vendors.md G3",
  "account.N.sip.subscribe.forMwi": "vendors.md G3",
  "account.N.sip.registration": "vendors.md G3",
  "account.N.sip.registerExpiration": "vendors.md G3 (minutes)",
  "account.N.sip.transport": "vendors.md G3, Wazo common.py SIP_TRANSPORTS",
  "account.N.featureCodes.callFeatures": "vendors.md G3, Wazo base_v2.tpl",
  "account.N.featureCodes.dndOn": "vendors.md G3",
  "account.N.featureCodes.dndOff": "vendors.md G3",
  "account.N.featureCodes.callForwardUnconditionallyOn": "vendors.md G3",
  "account.N.featureCodes.callForwardUnconditionallyOff": "vendors.md G3",
  "account.N.sip.blf.callPickup.forcePrefix": ALIAS,
  "account.N.sip.blf.callPickup.prefix": "vendors.md G4, Wazo base_v2.tpl",
  "pks.vpk.N.keyMode": "vendors.md G4",
  "pks.vpk.N.account": "vendors.md G4",
  "pks.vpk.N.description": "vendors.md G4",
  "pks.vpk.N.value": "vendors.md G4",
  "pks.mpk.N.keyMode": "vendors.md G4",
  "pks.mpk.N.account": "vendors.md G4",
  "pks.mpk.N.description": "vendors.md G4",
  "pks.mpk.N.value": "vendors.md G4",
  "pks.softkey.N.keyMode": `vendors.md G4, ${ALIAS}`,
  "pks.softkey.N.account": `vendors.md G4, ${ALIAS}`,
  "pks.softkey.N.description": `vendors.md G4, ${ALIAS}`,
  "pks.softkey.N.value": `vendors.md G4, ${ALIAS}`,
  "dateTime.ntp.server.1": "vendors.md G3",
  "dateTime.ntp.server.2": "vendors.md G3",
  "dateTime.override.dhcp.allowOption42": "vendors.md G3",
  "dateTime.override.dhcp.allowOption2": "vendors.md G3",
  "dateTime.timezone": "vendors.md G3",
  "dateTime.timezone.custom": "vendors.md G3",
  "provisioning.config.protocol": "vendors.md G3",
  "provisioning.config.serverPath": "vendors.md G3",
  "provisioning.config.username": "vendors.md G3",
  "provisioning.config.password": "vendors.md G3",
  "provisioning.config.filePassword": "vendors.md G7 (alias of P1359)",
  "provisioning.auto.mode": "vendors.md G3",
  "provisioning.auto.minute": "vendors.md G3",
  "provisioning.firmware.serverPath": "vendors.md G3",
  "provisioning.firmware.filePrefix": "vendors.md G3",
  "provisioning.firmware.filePostfix": "vendors.md G3",
  "users.admin.password": "vendors.md G3",
  "ons.actionUrl.registered": "alias of P8305, GXP21xx 1.0.11.x config template via grandstream-actionurl-server (docs/vendors/grandstream.md)",
  "ons.actionUrl.unregistered": "alias of P8306, GXP21xx 1.0.11.x config template via grandstream-actionurl-server (docs/vendors/grandstream.md)",
  "call.callWaiting.enable": `${ALIAS} ("Disable Call Waiting", Invert_Yes_No)`,
};

const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, isArray: (n) => n === "item" });

function configOf(body: string): Record<string, unknown> {
  const doc = parser.parse(body) as { gs_provision: { mac?: string; config: Record<string, unknown> | string } };
  return typeof doc.gs_provision.config === "object" ? doc.gs_provision.config : {};
}

function aliasNames(body: string): string[] {
  const items = (configOf(body).item ?? []) as { "@_name": string }[];
  return items.map((i) => i["@_name"].replace(/^(account|pks\.(?:vpk|mpk|softkey))\.\d+\./, "$1.N."));
}

function pvalueNames(body: string): string[] {
  return Object.keys(configOf(body)).filter((k) => !k.startsWith("@_"));
}

const allKeys: KeyConfig[] = [
  { index: 1, kind: "line", label: "1", line: 1 },
  blf(2, "101"),
  { index: 3, kind: "speed_dial", label: "SD", line: 1, number: "5551234" },
  { index: 4, kind: "park", label: "Park", line: 1, code: "***" },
  { index: 5, kind: "feature", label: "DND", line: 1, feature: "dnd_on", code: "*78" },
  { index: 7, kind: "line", label: "7", line: 1 },
  blf(30, "130", 2),
  blf(48, "148"),
];

function fullConfig(model: string, mac: string): PhoneConfig {
  const lines = [buildLine(1, "101"), buildLine(2, "102")];
  const base = buildPhoneConfig("grandstream", model, mac);
  return buildPhoneConfig("grandstream", model, mac, {
    lines,
    // Every optional parameter on, so the allow-list sees it: P1359 (encrypted configs, vendors.md G7).
    provisioning: { ...base.provisioning, configFilePassword: "FilePw0123456789abcdef" },
    keys: allKeys.filter((k) => k.index <= grandstream.models[model]!.keys),
    sip: { domain: "d", server: { host: "h", port: 5061, transport: "tls" }, outboundProxy: { host: "o", port: 5060 }, registerExpires: 90 },
  });
}

describe("grandstream parameters are all known", () => {
  it.each(["GXP2130", "GXP2135", "GXP2140", "GXP2160", "GXP2170"])("%s emits only sourced P-values", (model) => {
    const body = grandstream.render("cfg000b828aa872.xml", fullConfig(model, "000b828aa872"), templates)!.body;
    const unknown = pvalueNames(body).filter((n) => !(n in PVALUE_SOURCES));
    expect(unknown).toEqual([]);
    expect(pvalueNames(body).length).toBeGreaterThan(40);
  });

  it.each(["GRP2612", "GRP2613", "GRP2614", "GRP2615", "GRP2616"])("%s emits only sourced alias names", (model) => {
    const body = grandstream.render("cfgc074ad0b63ee.xml", fullConfig(model, "c074ad0b63ee"), templates)!.body;
    expect(pvalueNames(body)).toEqual(["item"]);
    expect(aliasNames(body).filter((n) => !(n in ALIAS_SOURCES))).toEqual([]);
  });
});

describe("grandstream values", () => {
  it("carries the per-device config file password only when the tenant encrypts configs", () => {
    expect(gxp().P1359).toBe("FilePw0123456789abcdef");
    const plain = grandstream.render("cfg000b828aa872.xml", buildPhoneConfig("grandstream", "GXP2140", "000b828aa872"), templates)!.body;
    expect(plain).not.toContain("P1359");
  });

  const gxp = (): Record<string, unknown> => configOf(grandstream.render("cfg000b828aa872.xml", fullConfig("GXP2140", "000b828aa872"), templates)!.body);

  it("writes the REGISTER expiry in minutes, rounded up", () => {
    expect(gxp().P32).toBe("2");
  });

  it("writes TLS as transport 2, the domain as SIP server and the outbound proxy with its port", () => {
    // The account's domain "d" differs from the registrar "h": P47 carries the domain (the phone
    // builds its AOR from it) and the tenant's own outbound proxy "o" carries the packets.
    expect(gxp()).toMatchObject({ P130: "2", P48: "o:5060", P47: "d:5061" });
  });

  it("uses the dynamic-VPK mode table after the fixed line keys", () => {
    // GXP2140 has 4 fixed VPKs: key 5 (feature → speed dial) is 0, key 7 (line) has no line mode → -1.
    expect(gxp()).toMatchObject({ P1363: "0", P1365: "11", P1367: "10", P1369: "19", P1371: "0", P23800: "-1" });
  });

  it("writes VPK 48 at P23964 and nothing past the last VPK", () => {
    const c = configOf(grandstream.render("cfg000b828aa872.xml", fullConfig("GXP2130", "000b828aa872"), templates)!.body);
    expect(c.P23964).toBe("1");
    expect(c).not.toHaveProperty("P23968");
  });

  it("switches off and empties account slots without a line", () => {
    expect(gxp()).toMatchObject({ P501: "0", P506: "", P601: "0", P606: "" });
  });

  it.each([
    [0, "0", "60"],
    [5, "1", "60"],
    [1440, "1", "1440"],
    [200_000, "1", "86400"],
  ])("maps resyncMinutes %i to P194=%s P193=%s", (minutes, mode, interval) => {
    const config = buildPhoneConfig("grandstream", "GXP2140", "000b828aa872");
    const c = configOf(grandstream.render("cfg000b828aa872.xml", { ...config, provisioning: { ...config.provisioning, resyncMinutes: minutes } }, templates)!.body);
    expect(c).toMatchObject({ P194: mode, P193: interval });
  });

  it("writes the config server path without scheme and HTTPS as protocol 2", () => {
    const config = buildPhoneConfig("grandstream", "GXP2140", "000b828aa872");
    const https = { ...config, provisioning: { ...config.provisioning, baseUrl: "https://prov.example.com/gs/" } };
    expect(configOf(grandstream.render("cfg000b828aa872.xml", https, templates)!.body)).toMatchObject({ P237: "prov.example.com/gs", P212: "2" });
  });

  const FIRMWARE = { version: "1.0.7.97", fileName: "1.0.7.97-gxp2140fw.bin", originalName: "gxp2140fw.bin", url: "http://prov.demo.example:8080/1.0.7.97-gxp2140fw.bin" };

  it("names a pinned image as server path + prefix (P192/P232/P233), only when one is pinned", () => {
    const config = { ...fullConfig("GXP2140", "000b828aa872"), firmware: FIRMWARE };
    const body = grandstream.render("cfg000b828aa872.xml", config, templates)!.body;
    expect(pvalueNames(body).filter((n) => !(n in PVALUE_SOURCES))).toEqual([]);
    expect(configOf(body)).toMatchObject({ P192: "prov.demo.example:8080", P232: "1.0.7.97-", P233: "" });
    expect(gxp()).not.toHaveProperty("P192");
  });

  it("names a pinned image with the alias names on GRP26xx", () => {
    const config = { ...fullConfig("GRP2614", "c074ad0b63ee"), firmware: { ...FIRMWARE, fileName: "1.0.5.15-grp2614fw.bin", originalName: "grp2614fw.bin" } };
    const body = grandstream.render("cfgc074ad0b63ee.xml", config, templates)!.body;
    expect(aliasNames(body).filter((n) => !(n in ALIAS_SOURCES))).toEqual([]);
    expect(body).toContain('<item name="provisioning.firmware.serverPath">prov.demo.example:8080</item>');
    expect(body).toContain('<item name="provisioning.firmware.filePrefix">1.0.5.15-</item>');
  });

  it("carries the device MAC in <mac>", () => {
    const doc = parser.parse(grandstream.render("cfgc074ad0b63ee.xml", fullConfig("GRP2614", "c074ad0b63ee"), templates)!.body);
    expect(doc.gs_provision.mac).toBe("c074ad0b63ee");
  });
});
