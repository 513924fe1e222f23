import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ProvisioningRequest } from "../../../src/domain/provisioning-request.ts";
import { yealink } from "../../../src/vendors/yealink/index.ts";

interface UaFixture { userAgent: string; vendor: string; model: string | null; firmware: string; mac: string | null }
// Real User-Agents: vendors.md §0/Y5 and the comments of Wazo's BaseYealinkHTTPDeviceInfoExtractor.
const FIXTURES: UaFixture[] = JSON.parse(
  readFileSync(new URL("../../fixtures/user-agents/yealink.json", import.meta.url), "utf8"),
);

const req = (fileName: string, userAgent?: string): ProvisioningRequest => ({
  transport: userAgent === undefined ? "tftp" : "http",
  fileName,
  userAgent,
  remoteAddress: "192.0.2.10",
});

describe("yealink identify", () => {
  it.each(FIXTURES)("reads $userAgent", (f) => {
    const id = yealink.identify(req("y000000000000.boot", f.userAgent));
    expect(id).toMatchObject({ vendor: f.vendor, model: f.model, firmware: f.firmware, mac: f.mac });
    expect(id?.support).toBe(f.model ? "exact" : "complete");
  });

  it.each([
    // Built from the documented form with table models (firmware numbers from Wazo entry.py).
    ["Yealink SIP-T54W 96.86.0.45 80:5e:c0:11:22:33", "T54W", "805ec0112233"],
    ["Yealink SIP-T46U 108.86.0.45 805ec0112233", "T46U", "805ec0112233"],
    ["Yealink SIP-T46S 66.86.0.15", "T46S", null],
    ["yealink SIP-t57w 96.86.0.45 80:5E:C0:11:22:33", "T57W", "805ec0112233"],
  ])("maps %s to the table id", (ua, model, mac) => {
    expect(yealink.identify(req("y000000000000.boot", ua))).toMatchObject({ support: "exact", model, mac });
  });

  it("prefers the MAC of the file name to the one of the User-Agent", () => {
    const id = yealink.identify(req("805ec0000001.cfg", FIXTURES[0]!.userAgent));
    expect(id).toMatchObject({ mac: "805ec0000001", file: { kind: "device", mac: "805ec0000001" } });
  });

  it.each([
    ["805ec0a1b2c3.boot", "device", "805ec0a1b2c3", null, "complete"],
    ["0004f2a1b2c3.boot", "device", "0004f2a1b2c3", null, "complete"],
    ["y000000000000.boot", "common", null, null, "complete"],
    ["y000000000096.cfg", "common", null, "T54W", "complete"],
    ["y000000000095.cfg", "common", null, null, "complete"],
    ["y000000000066.cfg", "common", null, "T46S", "complete"],
    ["805ec0a1b2c3.cfg", "device", "805ec0a1b2c3", null, "complete"],
  ])("serves %s without a User-Agent", (name, kind, mac, model, support) => {
    const id = yealink.identify(req(name));
    expect(id).toMatchObject({ vendor: "yealink", support, file: { kind, mac }, mac, model, firmware: null });
  });

  it("claims a <mac>.cfg outside its OUIs only as probable, so a known device's record can decide", () => {
    // The OUI speaks only for unknown phones: a device recorded as Yealink gets its file whatever its OUI.
    expect(yealink.identify(req("0004f2a1b2c3.cfg"))).toMatchObject({ vendor: "yealink", support: "probable", file: { kind: "device", mac: "0004f2a1b2c3" } });
    expect(yealink.identify(req("805ec0a1b2c3.cfg"))?.support).toBe("complete");
  });

  it.each([
    "805EC0A1B2C3.cfg",
    "805ec0a1b2c3-local.cfg",
    "805ec0a1b2c3-contact.xml",
    "000000000000.cfg",
    "000000000000.boot",
    "ffffffffffff.cfg",
    "y000000000028.cfg",
    "y000000000000.cfg",
    "y00000000096.cfg",
    "../805ec0a1b2c3.cfg",
    "805ec0a1b2c3.cfg\u0000",
    "805ec0a1b2c3.cfg.bak",
    " 805ec0a1b2c3.cfg",
    "y000000000096.cfg/..",
  ])("does not serve %s", (name) => {
    const id = yealink.identify(req(name, FIXTURES[0]!.userAgent));
    expect(id?.file).toBeNull();
  });

  it.each([
    ["", undefined],
    ["index.html", "Mozilla/5.0 (X11; Linux x86_64)"],
    ["cfg000b828aa872.xml", "Grandstream Model HW GXP2135 SW 1.0.7.97 DevId 000b828aa872"],
    ["0004f2a1b2c3.cfg", "FileTransport PolycomVVX-VVX_410-UA/5.9.0.9373 Type/Application"],
  ])("returns null for %s / %s", (name, ua) => {
    expect(yealink.identify(req(name, ua))).toBeNull();
  });

  it("never throws, whatever the input", () => {
    const hostile = [
      "Yealink SIP-" + "T".repeat(100_000),
      "Yealink " + "SIP-".repeat(10_000) + "T46S 1.2 x",
      "Yealink SIP-T46S " + "1.".repeat(50_000) + "1 80:5e:c0:aa:bb:cc",
      "Yealink SIP-T46S 66.86.0.15 80:5e:c0:aa:bb:cc\r\nX-Evil: 1",
      "\u0000Yealink SIP-T46S 66.86.0.15",
      "Yealink SIP-__proto__ 1.2.3 805ec0aabbcc",
      "Yealink SIP-constructor 1.2.3 805ec0aabbcc",
    ];
    for (const ua of hostile) expect(() => yealink.identify(req("x".repeat(100_000), ua))).not.toThrow();
    expect(yealink.identify(req("y000000000000.boot", hostile[5]))?.model).toBeNull();
    expect(yealink.identify(req("y000000000000.boot", hostile[6]))?.model).toBeNull();
    const broken = { transport: "http", fileName: 42, userAgent: {}, remoteAddress: "" } as unknown as ProvisioningRequest;
    expect(() => yealink.identify(broken)).not.toThrow();
    expect(() => yealink.identify(null as unknown as ProvisioningRequest)).not.toThrow();
  });
});
