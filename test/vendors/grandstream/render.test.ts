import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { grandstream } from "../../../src/vendors/grandstream/index.ts";
import { expectGolden } from "../../helpers/golden.ts";
import { builtinTemplates } from "../../helpers/templates.ts";
import type { KeyConfig, PhoneConfig } from "../../../src/domain/phone-config.ts";
import { blf, buildLine, buildPhoneConfig, GOLDEN_NOW } from "../../helpers/phone-config.ts";
import { describeTimeZone } from "../../../src/domain/time-zone.ts";

const templates = builtinTemplates("grandstream");

const GRP_MAC = "c074ad0b63ee";
const GXP_MAC = "000b828aa872";

function grp2614Demo(): PhoneConfig {
  return buildPhoneConfig("grandstream", "GRP2614", GRP_MAC, {
    lines: [buildLine(1, "103", { displayName: "Zoë Ångström" })],
    keys: [{ index: 1, kind: "line", label: "103", line: 1 }, blf(2, "101"), blf(3, "102")],
  });
}

function gxp2140TwoLines(): PhoneConfig {
  const keys: KeyConfig[] = [
    { index: 1, kind: "line", label: "201", line: 1 },
    { index: 2, kind: "line", label: "202", line: 2 },
    { index: 3, kind: "speed_dial", label: "Lobby", line: 1, number: "5551234" },
    { index: 4, kind: "park", label: "Park", line: 1, code: "***" },
    { index: 5, kind: "feature", label: "DND On", line: 1, feature: "dnd_on", code: "*78" },
  ];
  return buildPhoneConfig("grandstream", "GXP2140", GXP_MAC, {
    lines: [buildLine(1, "201", { displayName: "R&D <Lab>" }), buildLine(2, "202")],
    keys,
  });
}

function render(name: string, config: PhoneConfig | null): string {
  const out = grandstream.render(name, config, templates);
  if (!out) throw new Error(`${name} not rendered`);
  expect(out.contentType).toBe("text/xml; charset=utf-8");
  expect(XMLValidator.validate(out.body)).toBe(true);
  return out.body;
}

describe("grandstream golden files", () => {
  it("GRP2614 with one line and two BLF keys (alias form)", async () => {
    expectGolden(render(`cfg${GRP_MAC}.xml`, grp2614Demo()), "grandstream/cfgc074ad0b63ee-grp2614.xml");
  });

  it("GXP2140 with two lines, speed dial, park and feature keys (alias form, firmware 1.0.11.x)", async () => {
    expectGolden(render(`cfg${GXP_MAC}.xml`, gxp2140TwoLines()), "grandstream/cfg000b828aa872-gxp2140.xml");
  });

  // Extension settings with a phone-side effect: no voicemail (MWI off), calls not queued (call waiting off).
  const settings = { voicemailEnabled: false, callWaiting: false, anonymous: true };
  it("GRP2614 with an extension without voicemail and without call waiting (alias form)", async () => {
    const config = buildPhoneConfig("grandstream", "GRP2614", GRP_MAC, { lines: [buildLine(1, "105", settings)] });
    expectGolden(render(`cfg${GRP_MAC}.xml`, config), "grandstream/cfgc074ad0b63ee-grp2614-extension-settings.xml");
  });

  it("GXP2140 with an extension without voicemail and without call waiting (alias form, firmware 1.0.11.x)", async () => {
    const config = buildPhoneConfig("grandstream", "GXP2140", GXP_MAC, { lines: [buildLine(1, "105", settings), buildLine(2, "106")] });
    expectGolden(render(`cfg${GXP_MAC}.xml`, config), "grandstream/cfg000b828aa872-gxp2140-extension-settings.xml");
  });

  // Issue fixes: a time zone without a letter abbreviation as the list option (TZU-5:45), a pinned
  // image checked on every resync, DHCP 43/66 not allowed to move the server.
  it("GXP2140 in Kathmandu with a pinned image (time-zone option, firmware control)", async () => {
    const config = buildPhoneConfig("grandstream", "GXP2140", GXP_MAC, {
      time: { zone: describeTimeZone("Asia/Kathmandu", GOLDEN_NOW), ntpServers: ["ntp.demo.example"] },
      firmware: { version: "1.0.11.79", fileName: "1.0.11.79-gxp2140fw.bin", originalName: "gxp2140fw.bin", url: "http://prov.demo.example:8080/1.0.11.79-gxp2140fw.bin" },
    });
    expectGolden(render(`cfg${GXP_MAC}.xml`, config), "grandstream/cfg000b828aa872-gxp2140-kathmandu-pinned.xml");
  });

  it("GRP2614 in Adelaide (self-defined zone in the list's form, no pinned image)", async () => {
    const config = buildPhoneConfig("grandstream", "GRP2614", GRP_MAC, { time: { zone: describeTimeZone("Australia/Adelaide", GOLDEN_NOW), ntpServers: [] } });
    expectGolden(render(`cfg${GRP_MAC}.xml`, config), "grandstream/cfgc074ad0b63ee-grp2614-adelaide.xml");
  });

  it.each(["cfggrp2614.xml", "cfggxp2140.xml", "cfg.xml"])("common file %s", async (name) => {
    expectGolden(render(name, null), `grandstream/${name}`);
  });
});

describe("grandstream common files", () => {
  it.each(["cfggrp2614.xml", "cfggxp2140.xml", "cfg.xml"])("%s holds no secret and no tenant data", (name) => {
    const body = render(name, null);
    for (const secret of ["Adm1n-Secret-42", "prov-secret", "pw-", "demo.example"]) expect(body).not.toContain(secret);
  });
});

describe("grandstream render refusals", () => {
  it("never serves the legacy binary cfg<mac>", () => {
    expect(grandstream.render(`cfg${GXP_MAC}`, gxp2140TwoLines(), templates)).toBeNull();
  });

  it("serves a device file only to that device's configuration", () => {
    expect(grandstream.render("cfg000b82000001.xml", gxp2140TwoLines(), templates)).toBeNull();
    expect(grandstream.render(`cfg${GXP_MAC}.xml`, null, templates)).toBeNull();
  });

  it.each(["cfgGXP2140.xml", "cfggxp9999.xml", "../cfg.xml", "cfg.xml.bak"])("returns null for %s", (name) => {
    expect(grandstream.render(name, null, templates)).toBeNull();
  });

  it("returns null for a model it does not know", () => {
    const config = buildPhoneConfig("grandstream", "GXP1628", GXP_MAC);
    expect(grandstream.render(`cfg${GXP_MAC}.xml`, config, templates)).toBeNull();
  });
});

describe("grandstream escaping", () => {
  const hostile = ['</P3><P2>x</P2><P3>', '"/><item name="users.admin.password">x</item><x a="', "Evil\r\nP2=x & 'q'"];

  it.each(hostile)("a display name %j cannot add an item (GXP2140)", (name) => {
    const config = { ...gxp2140TwoLines(), lines: [buildLine(1, "201", { displayName: name })] };
    const body = render(`cfg${GXP_MAC}.xml`, config);
    expect(countItems(body)).toBe(countItems(render(`cfg${GXP_MAC}.xml`, { ...gxp2140TwoLines(), lines: [buildLine(1, "201")] })));
    expect(parseItems(body).get("account.1.sip.subscriber.name")).toBe(name.replace(/[\r\n]/g, " "));
    expect(parseItems(body).get("users.admin.password")).toBe("Adm1n-Secret-42");
  });

  it.each(hostile)("a display name %j cannot add an item (GRP2614)", (name) => {
    const config = { ...grp2614Demo(), lines: [buildLine(1, "103", { displayName: name })] };
    const body = render(`cfg${GRP_MAC}.xml`, config);
    expect(countItems(body)).toBe(countItems(render(`cfg${GRP_MAC}.xml`, grp2614Demo())));
    const items = parseItems(body);
    expect(items.get("account.1.sip.subscriber.name")).toBe(name.replace(/[\r\n]/g, " "));
    expect(items.get("users.admin.password")).toBe("Adm1n-Secret-42");
  });

  it("escapes &, <, > and quotes", () => {
    const body = render(`cfg${GXP_MAC}.xml`, gxp2140TwoLines());
    expect(body).toContain('<item name="account.1.sip.subscriber.name">R&amp;D &lt;Lab&gt;</item>');
  });
});

function countItems(body: string): number {
  return body.match(/<item /g)?.length ?? 0;
}

function parseItems(body: string): Map<string, string> {
  const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, isArray: (n) => n === "item" });
  const doc = parser.parse(body) as { gs_provision: { config: { item: { "@_name": string; "#text"?: string }[] } } };
  return new Map(doc.gs_provision.config.item.map((i) => [i["@_name"], i["#text"] ?? ""]));
}
