import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import type { KeyConfig, PhoneConfig } from "../../../src/domain/phone-config.ts";
import { expectGolden } from "../../helpers/golden.ts";
import { builtinTemplates } from "../../helpers/templates.ts";
import { polycom } from "../../../src/vendors/polycom/index.ts";
import { blf, buildLine, buildPhoneConfig } from "../../helpers/phone-config.ts";

const templates = builtinTemplates("polycom");

const MAC_411 = "0004f2a10411";
const MAC_410 = "0004f2a10410";
const MAC_450 = "64167fa10450";
const MAC_E450 = "482567a1e450";

function render(fileName: string, config: PhoneConfig | null): string {
  const out = polycom.render(fileName, config, templates);
  if (!out) throw new Error(`${fileName} not served`);
  expect(out.contentType).toBe("text/xml; charset=utf-8");
  return out.body;
}

/** Every attribute of every element, as name → value (the phone reads attributes only, P2). */
function attributes(xml: string): Map<string, string> {
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", parseAttributeValue: false }).parse(xml);
  const found = new Map<string, string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== "object") return;
    for (const [k, v] of Object.entries(node)) {
      if (typeof v === "string" && k !== "?xml" && k !== "#text") {
        expect(found.has(k), `duplicate ${k}`).toBe(false);
        found.set(k, v);
      } else walk(v);
    }
  };
  walk(doc);
  return found;
}

const parkAndSpeed = (): KeyConfig[] => [
  { index: 1, kind: "line", label: "101", line: 1 },
  { index: 2, kind: "speed_dial", label: "Lobby", line: 1, number: "5551234" },
  { index: 3, kind: "park", label: "Park", line: 1, code: "***" },
  { index: 4, kind: "feature", label: "Rec", line: 1, feature: "record_on", code: "*80" },
];

const CASES: Record<string, { fileName: string; config: PhoneConfig | null }> = {
  "master-common": { fileName: "000000000000.cfg", config: null },
  "master-device-VVX411": { fileName: `${MAC_411}.cfg`, config: buildPhoneConfig("polycom", "VVX411", MAC_411) },
  common: { fileName: "phonehome-common.cfg", config: null },
  "VVX411-demo": {
    fileName: `${MAC_411}-phonehome.cfg`,
    config: buildPhoneConfig("polycom", "VVX411", MAC_411, {
      lines: [buildLine(1, "101"), buildLine(2, "102", { displayName: "R&D <Lab>" })],
      keys: [
        { index: 1, kind: "line", label: "101", line: 1 },
        { index: 2, kind: "line", label: "102", line: 2 },
        blf(3, "101"),
        blf(4, "103"),
      ],
    }),
  },
  "VVX411-extension-settings": {
    // Line 1: no voicemail (empty MWI subscription), calls not queued (call waiting off, phone-wide).
    fileName: `${MAC_411}-phonehome.cfg`,
    config: buildPhoneConfig("polycom", "VVX411", MAC_411, {
      lines: [buildLine(1, "105", { voicemailEnabled: false, callWaiting: false, anonymous: true }), buildLine(2, "106")],
    }),
  },
  "VVX410-speed-park": {
    fileName: `${MAC_410}-phonehome.cfg`,
    config: buildPhoneConfig("polycom", "VVX410", MAC_410, { keys: parkAndSpeed() }),
  },
  "VVX450-speed-park": {
    fileName: `${MAC_450}-phonehome.cfg`,
    config: buildPhoneConfig("polycom", "VVX450", MAC_450, {
      keys: parkAndSpeed(),
      sip: {
        domain: "demo.example",
        server: { host: "pbx.demo.example", port: 5061, transport: "tls" },
        outboundProxy: { host: "sbc.demo.example", port: 5061 },
        registerExpires: 600,
      },
      provisioning: { baseUrl: "https://prov.demo.example/t/acme/", username: "u", password: "p", resyncMinutes: 0 },
    }),
  },
  "VVX410-directory": {
    fileName: `${MAC_410}-directory.xml`,
    config: buildPhoneConfig("polycom", "VVX410", MAC_410, { keys: parkAndSpeed() }),
  },
  "EdgeE450-two-lines": {
    fileName: `${MAC_E450}-phonehome.cfg`,
    config: buildPhoneConfig("polycom", "EdgeE450", MAC_E450, {
      lines: [buildLine(1, "201", { displayName: "Zoë Ångström" }), buildLine(2, "202")],
    }),
  },
};

// Every attribute name the adapter may emit, with its source; `N`/`x` stand for any index.
const ALLOWED: readonly [RegExp, string][] = [
  [/^(APP_FILE_PATH|CONFIG_FILES|MISC_FILES|LOG_FILE_DIRECTORY|OVERRIDES_DIRECTORY|CONTACTS_DIRECTORY|LICENSE_DIRECTORY|USER_PROFILES_DIRECTORY|CALL_LISTS_DIRECTORY)$/, "P2"],
  [/^\?xml$|^(version|encoding|standalone)$/, "XML declaration"],
  [/^device\.set$/, "P2"],
  [/^device\.prov\.(serverName|serverType|user|password|tagSerialNo)(\.set)?$/, "P3, P5"],
  [/^device\.auth\.localAdminPassword(\.set)?$/, "P3"],
  [/^prov\.polling\.(enabled|mode|period)$/, "P3"],
  [/^reg\.\d+\.(address|label|displayName|type|auth\.userId|auth\.password)$/, "P3"],
  [/^reg\.\d+\.server\.1\.(address|port|transport|expires|register)$/, "P3"],
  [/^reg\.\d+\.outboundProxy\.(address|port|transport)$/, "P3"],
  [/^reg\.\d+\.serverFeatureControl\.(dnd|cf)$/, "P3"],
  [/^msg\.mwi\.\d+\.(subscribe|callBackMode|callBack)$/, "P3"],
  [/^call\.directedCallPickup(Method|String)$/, "Wazo base.tpl, excaliburpartners device.php"],
  [/^call\.callWaiting\.enable$/, "Wazo wazo-polycom common/templates/base.tpl"],
  [/^attendant\.reg$|^attendant\.resourceList\.\d+\.(address|label|type)$/, "P4"],
  [/^lineKey\.reassignment\.enabled$|^lineKey\.\d+\.(category|index)$/, "P4"],
  [/^feature\.enhancedFeatureKeys\.enabled$/, "P4"],
  [/^dir\.local\.readonly$/, "excaliburpartners/polycomphones device.php"],
  [/^nat\.keepalive\.interval$/, "FusionPBX poly/edge-e550 template, excaliburpartners device.php"],
  [/^softkey\.\d+\.(label|action|enable|use\.idle|use\.active)$/, "P4"],
  [/^softkey\.feature\.(doNotDisturb|forward)$/, "P4"],
  [/^voIpProt\.SIP\.specialEvent\.checkSync\.alwaysReboot$/, "P6"],
  [/^voIpProt\.SIP\.requestValidation\.1\.(method|request)$/, "P6"],
  [/^apps\.telNotification\.(URL|lineRegistrationEvent)$/, "Web Application for Polycom Phones UC 5.0.0, telephony notification events"],
  [/^tcpIpApp\.sntp\.(address|gmtOffset)(\.overrideDHCP)?$/, "P3"],
  [/^tcpIpApp\.sntp\.daylightSavings\.(enable|fixedDayEnable)$/, "P3"],
  [/^tcpIpApp\.sntp\.daylightSavings\.(start|stop)\.(month|date|time|dayOfWeek|dayOfWeek\.lastInMonth)$/, "P3"],
];

describe("polycom render", () => {
  it.each(Object.entries(CASES))("matches the golden file %s", async (name, { fileName, config }) => {
    const out = render(fileName, config);
    expectGolden(out, `polycom/${name}.cfg`);
  });

  // Parameter files only: the directory holds repeated <item> elements, checked in its own test.
  it.each(Object.entries(CASES).filter(([, c]) => !c.fileName.endsWith("-directory.xml")))("emits only known parameters in %s", (_name, { fileName, config }) => {
    for (const key of attributes(render(fileName, config)).keys()) {
      expect(ALLOWED.some(([re]) => re.test(key)), `unknown parameter ${key}`).toBe(true);
    }
  });

  it("keeps common files free of secrets and tenant data", () => {
    const common = render("phonehome-common.cfg", null) + render("000000000000.cfg", null);
    const cfg = CASES["VVX411-demo"]!.config!;
    for (const secret of [cfg.provisioning.password, cfg.device.adminPassword, cfg.lines[0]!.password, cfg.sip.domain]) {
      expect(common).not.toContain(secret);
    }
    const master = render(`${MAC_411}.cfg`, cfg);
    expect(master).not.toContain(cfg.lines[0]!.password);
  });

  it("lists the device config file first in both master files", () => {
    expect(attributes(render("000000000000.cfg", null)).get("CONFIG_FILES")).toBe(
      "[PHONE_MAC_ADDRESS]-phonehome.cfg, phonehome-common.cfg",
    );
    const cfg = CASES["master-device-VVX411"]!.config!;
    expect(attributes(render(`${MAC_411}.cfg`, cfg)).get("CONFIG_FILES")).toBe(`${MAC_411}-phonehome.cfg, phonehome-common.cfg`);
  });

  it.each(['"/><evil a="', "\"/><x a=\"", "Evil\r\naccount.1.password = x", "a' b='c", "<![CDATA[x]]>&amp;"])(
    "cannot inject attributes or elements through display name %j",
    (displayName) => {
      const base = buildPhoneConfig("polycom", "VVX410", MAC_410);
      const clean = attributes(render(`${MAC_410}-phonehome.cfg`, base));
      const evil = attributes(render(`${MAC_410}-phonehome.cfg`, { ...base, lines: [buildLine(1, "101", { displayName })] }));
      expect([...evil.keys()]).toEqual([...clean.keys()]);
      expect(evil.get("reg.1.displayName")).toBe(displayName.replace(/[\r\n]/g, " "));
    },
  );

  it("escapes <, & and quotes in the output", () => {
    const out = render(`${MAC_411}-phonehome.cfg`, CASES["VVX411-demo"]!.config);
    expect(out).toContain('reg.2.displayName="R&amp;D &lt;Lab&gt;"');
  });

  it("drops keys and lines beyond the model's capacity", () => {
    const cfg = buildPhoneConfig("polycom", "VVX150", "0004f2a10150", {
      lines: [buildLine(1, "101"), buildLine(2, "102"), buildLine(3, "103")],
      keys: [blf(1, "104"), blf(2, "105"), blf(3, "106")],
    });
    const attrs = attributes(render("0004f2a10150-phonehome.cfg", cfg));
    expect(attrs.has("reg.2.address")).toBe(true);
    expect(attrs.has("reg.3.address")).toBe(false);
    expect(attrs.has("lineKey.2.category")).toBe(true);
    expect(attrs.has("lineKey.3.category")).toBe(false);
    expect(attrs.has("attendant.resourceList.3.address")).toBe(false);
  });

  it("refuses files it does not serve and device files without a matching config", () => {
    const cfg = buildPhoneConfig("polycom", "VVX410", MAC_410);
    expect(polycom.render(`${MAC_410}-phone.cfg`, cfg, templates)).toBeNull();
    expect(polycom.render(`${MAC_410}-phonehome.cfg`, null, templates)).toBeNull();
    expect(polycom.render(`${MAC_411}-phonehome.cfg`, cfg, templates)).toBeNull();
    expect(polycom.render(`${MAC_410}-phonehome.cfg`, { ...cfg, device: { ...cfg.device, model: "T46S" } }, templates)).toBeNull();
  });
});

describe("polycom speed-dial keys (documented SpeedDial category backed by the contact directory)", () => {
  const keys: KeyConfig[] = [
    { index: 1, kind: "line", label: "101", line: 1 },
    { index: 2, kind: "speed_dial", label: "Lobby", line: 1, number: "5551234" },
    { index: 3, kind: "park", label: "Park", line: 1, code: "***" },
    { index: 4, kind: "feature", label: "DND", line: 1, feature: "dnd_on", code: "*78" },
  ];
  const cfg = buildPhoneConfig("polycom", "VVX410", MAC_410, { keys });

  // Was lineKey.N.category="EFK" + efk.efklist.* + feature.EFKLineKey.enabled: in no Poly guide or public template.
  it("writes speed dial and feature keys as SpeedDial keys indexed into the directory, never EFK", () => {
    const out = render(`${MAC_410}-phonehome.cfg`, cfg);
    const attrs = attributes(out);
    expect(attrs.get("lineKey.2.category")).toBe("SpeedDial");
    expect(attrs.get("lineKey.2.index")).toBe("1");
    expect(attrs.get("lineKey.3.category")).toBe("Unassigned");
    expect(attrs.get("lineKey.4.category")).toBe("SpeedDial");
    expect(attrs.get("lineKey.4.index")).toBe("2");
    expect(attrs.get("dir.local.readonly")).toBe("1");
    expect(out).not.toMatch(/EFK|efklist/);
  });

  it("serves the directory with one entry per speed dial, and only to a phone that has one", () => {
    const out = render(`${MAC_410}-directory.xml`, cfg);
    expect(out).toContain("<item><fn>Lobby</fn><ct>5551234</ct><sd>1</sd></item>");
    expect(out).toContain("<item><fn>DND</fn><ct>*78</ct><sd>2</sd></item>");
    const noSpeedDial = buildPhoneConfig("polycom", "VVX410", MAC_410, { keys: [blf(1, "102")] });
    expect(polycom.render(`${MAC_410}-directory.xml`, noSpeedDial, templates)).toBeNull();
    expect(attributes(render(`${MAC_410}-phonehome.cfg`, noSpeedDial)).has("dir.local.readonly")).toBe(false);
    expect(polycom.render(`${MAC_410}-directory.xml`, null, templates)).toBeNull();
  });

  it("names no COREFILE_DIRECTORY in the master files", () => {
    expect(render("000000000000.cfg", null)).not.toContain("COREFILE_DIRECTORY");
    expect(render(`${MAC_411}.cfg`, buildPhoneConfig("polycom", "VVX411", MAC_411))).not.toContain("COREFILE_DIRECTORY");
  });
});

describe("polycom smaller fixes", () => {
  it("polls at more than 3600 s, as the guide says (\"greater than 3600\")", () => {
    const base = buildPhoneConfig("polycom", "VVX410", MAC_410);
    const hourly = { ...base, provisioning: { ...base.provisioning, resyncMinutes: 60 } };
    expect(attributes(render(`${MAC_410}-phonehome.cfg`, hourly)).get("prov.polling.period")).toBe("3601");
  });

  it("keeps NAT mappings open with a keep-alive every 30 s", () => {
    expect(attributes(render("phonehome-common.cfg", null)).get("nat.keepalive.interval")).toBe("30");
  });
});

describe("polycom model data", () => {
  it.each([
    ["VVX150", 2], ["VVX250", 4], ["VVX310", 6], ["VVX350", 6], ["VVX411", 12], ["VVX450", 12], ["VVX601", 16], ["EdgeE450", 16],
  ])("%s has %i line keys", (id, keys) => {
    expect(polycom.models[id]?.keys).toBe(keys);
  });

  it("boots from the device master file, then the device and common config files", () => {
    expect(polycom.bootFiles(MAC_411 as never, "VVX411")).toEqual([
      { name: `${MAC_411}.cfg`, kind: "device" },
      { name: `${MAC_411}-phonehome.cfg`, kind: "device" },
      { name: "phonehome-common.cfg", kind: "common" },
    ]);
    expect(polycom.bootFiles(MAC_411 as never, "T46S")).toEqual([]);
  });
});

describe("polycom firmware", () => {
  const firmware = { version: "6.4.3.0513", fileName: "6.4.3.0513-3111-48450-001.sip.ld", originalName: "3111-48450-001.sip.ld", url: "http://prov.demo.example:8080/6.4.3.0513-3111-48450-001.sip.ld" };

  it("the device master file names the pinned image in APP_FILE_PATH (relative to the boot server)", () => {
    const config = { ...buildPhoneConfig("polycom", "VVX411", MAC_411), firmware };
    expect(attributes(render(`${MAC_411}.cfg`, config)).get("APP_FILE_PATH")).toBe(firmware.fileName);
    expect(attributes(render(`${MAC_411}.cfg`, buildPhoneConfig("polycom", "VVX411", MAC_411))).get("APP_FILE_PATH")).toBe("sip.ld");
  });

  it("the common master file never depends on a tenant's pin", () => {
    expect(attributes(render("000000000000.cfg", null)).get("APP_FILE_PATH")).toBe("sip.ld");
  });
});
