import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { grandstream } from "../../../src/vendors/grandstream/index.ts";
import { builtinTemplates } from "../../helpers/templates.ts";
import type { KeyConfig, PhoneConfig } from "../../../src/domain/phone-config.ts";
import { blf, buildLine, buildPhoneConfig } from "../../helpers/phone-config.ts";

const templates = builtinTemplates("grandstream");

const ALIAS = "public GRP26xx alias template (docs/vendors/grandstream.md)";
const GXP_1011 = "Grandstream GXP21xx 1.0.11.79 template (FPBX gxp2140)";
const GRP_109 = "Grandstream GRP261x 1.0.9.103 template (FPBX grp2614)";
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
  "account.N.network.natTraversal": `${GXP_1011}, ${GRP_109} (P52)`,
  "sip.keepAliveInterval": `${GXP_1011}, ${GRP_109}`,
  "provisioning.override.dhcp.allowCommonOptions": `${GXP_1011}, ${GRP_109} (P145)`,
  "provisioning.override.dhcp.allowCustomOption": GXP_1011,
  "provisioning.override.dhcp.enableOption150": `${GRP_109} (P1007)`,
  "provisioning.override.dhcp.enableOption160": `${GRP_109} (P1008)`,
  "provisioning.override.dhcp.enableOption161": GRP_109,
  "provisioning.firmware.checkCondition": `${GXP_1011}, ${GRP_109} (P238)`,
  "provisioning.firmware.protocol": `${GXP_1011}, ${GRP_109} (P6767)`,
};
// Names only one family's template has: never emitted for the other family.
const GXP_ONLY = ["provisioning.override.dhcp.allowCustomOption"];
const GRP_ONLY = ["provisioning.override.dhcp.enableOption150", "provisioning.override.dhcp.enableOption160", "provisioning.override.dhcp.enableOption161"];

const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, isArray: (n) => n === "item" });

function configOf(body: string): Record<string, unknown> {
  const doc = parser.parse(body) as { gs_provision: { mac?: string; config: Record<string, unknown> | string } };
  return typeof doc.gs_provision.config === "object" ? doc.gs_provision.config : {};
}

function aliasNames(body: string): string[] {
  const items = (configOf(body).item ?? []) as { "@_name": string }[];
  return items.map((i) => i["@_name"].replace(/^(account|pks\.(?:vpk|mpk|softkey))\.\d+\./, "$1.N."));
}

function itemsOf(body: string): Record<string, string> {
  const items = (configOf(body).item ?? []) as { "@_name": string; "#text"?: string }[];
  return Object.fromEntries(items.map((i) => [i["@_name"], i["#text"] ?? ""]));
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
  it.each(["GXP2130", "GXP2135", "GXP2140", "GXP2160", "GXP2170", "GRP2612", "GRP2613", "GRP2614", "GRP2615", "GRP2616"])("%s emits only sourced alias names", (model) => {
    const body = grandstream.render("cfgc074ad0b63ee.xml", fullConfig(model, "c074ad0b63ee"), templates)!.body;
    expect(Object.keys(configOf(body)).filter((k) => !k.startsWith("@_"))).toEqual(["item"]);
    expect(aliasNames(body).filter((n) => !(n in ALIAS_SOURCES))).toEqual([]);
    expect(aliasNames(body).filter((n) => (model.startsWith("GXP") ? GRP_ONLY : GXP_ONLY).includes(n))).toEqual([]);
    expect(body).toContain('<config version="2">');
  });
});

describe("grandstream values", () => {
  const gxp = (model = "GXP2140"): Record<string, string> => itemsOf(grandstream.render("cfgc074ad0b63ee.xml", fullConfig(model, "c074ad0b63ee"), templates)!.body);

  it("carries the per-device config file password only when the tenant encrypts configs", () => {
    expect(gxp()["provisioning.config.filePassword"]).toBe("FilePw0123456789abcdef");
    const plain = grandstream.render("cfg000b828aa872.xml", buildPhoneConfig("grandstream", "GXP2140", "000b828aa872"), templates)!.body;
    expect(plain).not.toContain("filePassword");
  });

  it("writes the REGISTER expiry in minutes, rounded up, and the domain as SIP server", () => {
    expect(gxp()).toMatchObject({ "account.1.sip.registerExpiration": "2", "account.1.sip.transport": "TlsOrTcp", "account.1.sip.server.1.address": "d:5061", "account.1.sip.outboundProxy.1.address": "o:5060" });
  });

  it("writes GXP21xx key modes as the 1.0.11.x words: Line only on fixed VPKs", () => {
    // GXP2140: VPK 1-4 fixed, 5-16 dynamic. Key 7 is a line key on a dynamic VPK: None.
    expect(gxp()).toMatchObject({
      "pks.vpk.1.keyMode": "Line",
      "pks.vpk.2.keyMode": "BLF",
      "pks.vpk.3.keyMode": "SpeedDial",
      "pks.vpk.4.keyMode": "CallPark",
      "pks.vpk.5.keyMode": "SpeedDial",
      "pks.vpk.7.keyMode": "None",
    });
  });

  it("addresses the GXP2130's 8 and the GXP2160's 24 physical MPKs after the VPKs", () => {
    const c = gxp("GXP2160");
    expect(c["pks.mpk.6.keyMode"]).toBe("BLF"); // key 30 = VPKs 24 + MPK 6
    expect(c["pks.mpk.24.keyMode"]).toBe("BLF"); // key 48
    expect(c).not.toHaveProperty("pks.vpk.25.keyMode");
    expect(Object.keys(gxp("GXP2130")).filter((k) => /^pks\.mpk\.\d+\.keyMode$/.test(k))).toHaveLength(8);
  });

  it("switches off and empties account slots without a line, up to the model's accounts", () => {
    const c = gxp("GXP2170");
    expect(c).toMatchObject({ "account.3.enable": "No", "account.6.enable": "No", "account.6.sip.subscriber.password": "" });
    expect(c).not.toHaveProperty("account.7.enable");
  });

  const FIRMWARE = { version: "1.0.7.97", fileName: "1.0.7.97-gxp2140fw.bin", originalName: "gxp2140fw.bin", url: "http://prov.demo.example:8080/1.0.7.97-gxp2140fw.bin" };

  it("names a pinned image with the alias names on GRP26xx", () => {
    const config = { ...fullConfig("GRP2614", "c074ad0b63ee"), firmware: { ...FIRMWARE, fileName: "1.0.5.15-grp2614fw.bin", originalName: "grp2614fw.bin" } };
    const body = grandstream.render("cfgc074ad0b63ee.xml", config, templates)!.body;
    expect(aliasNames(body).filter((n) => !(n in ALIAS_SOURCES))).toEqual([]);
    expect(body).toContain('<item name="provisioning.firmware.serverPath">prov.demo.example:8080</item>');
    expect(body).toContain('<item name="provisioning.firmware.filePrefix">1.0.5.15-</item>');
  });

  it("keeps the firmware under the tenant's control: our server path, no check without a pin, DHCP cannot redirect", () => {
    for (const model of ["GXP2140", "GRP2614"]) {
      const c = gxp(model);
      expect(c).toMatchObject({
        "provisioning.auto.mode": "YesUpgradeMin",
        "provisioning.firmware.checkCondition": "SkipCheck",
        "provisioning.firmware.serverPath": "prov.demo.example:8080",
        "provisioning.firmware.protocol": "HTTP",
        "provisioning.override.dhcp.allowCommonOptions": "No",
      });
      expect(c).not.toHaveProperty("provisioning.firmware.filePrefix");
    }
    expect(gxp("GXP2140")["provisioning.override.dhcp.allowCustomOption"]).toBe("None");
    expect(gxp("GRP2614")).toMatchObject({ "provisioning.override.dhcp.enableOption150": "No", "provisioning.override.dhcp.enableOption160": "No" });
    const pinned = itemsOf(grandstream.render("cfgc074ad0b63ee.xml", { ...fullConfig("GXP2140", "c074ad0b63ee"), firmware: FIRMWARE }, templates)!.body);
    expect(pinned).toMatchObject({ "provisioning.firmware.checkCondition": "AlwaysCheck", "provisioning.firmware.filePrefix": "1.0.7.97-", "provisioning.firmware.protocol": "HTTP" });
  });

  it("sends NAT keep-alives on every used account", () => {
    const c = gxp("GXP2140");
    expect(c).toMatchObject({ "account.1.network.natTraversal": "KeepAlive", "account.2.network.natTraversal": "KeepAlive", "sip.keepAliveInterval": "20" });
    expect(c).not.toHaveProperty("account.3.network.natTraversal");
  });

  it("carries the device MAC in <mac>", () => {
    const doc = parser.parse(grandstream.render("cfgc074ad0b63ee.xml", fullConfig("GRP2614", "c074ad0b63ee"), templates)!.body);
    expect(doc.gs_provision.mac).toBe("c074ad0b63ee");
  });
});
