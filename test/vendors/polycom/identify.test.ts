import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ProvisioningRequest } from "../../../src/domain/provisioning-request.ts";
import { polycom } from "../../../src/vendors/polycom/index.ts";

interface UaFixture { userAgent: string; vendor: string; model: string | null; firmware: string; mac: string | null }
const FIXTURES: UaFixture[] = JSON.parse(
  readFileSync(new URL("../../fixtures/user-agents/polycom.json", import.meta.url), "utf8"),
);

const req = (fileName: string, userAgent?: string): ProvisioningRequest => ({
  transport: userAgent === undefined ? "tftp" : "http",
  fileName,
  userAgent,
  remoteAddress: "192.0.2.10",
});

describe("polycom identify", () => {
  it.each(FIXTURES)("reads $userAgent", (f) => {
    const id = polycom.identify(req("000000000000.cfg", f.userAgent));
    expect(id).toMatchObject({ vendor: f.vendor, model: f.model, firmware: f.firmware, mac: f.mac });
    expect(id?.support).toBe(f.model ? "exact" : "complete");
  });

  it("takes the MAC from the SN tag when the file names none", () => {
    const id = polycom.identify(req("phonehome-common.cfg", FIXTURES[4]!.userAgent));
    expect(id?.mac).toBe("64167f9f4c90");
  });

  it.each([
    ["000000000000.cfg", "common", null, "complete"],
    ["phonehome-common.cfg", "common", null, "complete"],
    ["0004f2a1b2c3.cfg", "device", "0004f2a1b2c3", "complete"],
    ["805ec0a1b2c3.cfg", "device", "805ec0a1b2c3", "probable"],
    ["0004f2a1b2c3-phonehome.cfg", "device", "0004f2a1b2c3", "complete"],
    ["0004f2a1b2c3-directory.xml", "device", "0004f2a1b2c3", "complete"],
  ])("serves %s without a User-Agent", (name, kind, mac, support) => {
    const id = polycom.identify(req(name));
    expect(id).toMatchObject({ vendor: "polycom", support, file: { kind, mac }, mac, model: null, firmware: null });
  });

  it.each(["0004f2a1b2c3-phone.cfg", "0004f2a1b2c3-web.cfg", "0004f2a1b2c3-license.cfg", "0004f2a1b2c3-app.log", "0004f2a1b2c3-boot.log"])(
    "recognises the phone's own file %s but does not serve it",
    (name) => {
      const id = polycom.identify(req(name));
      expect(id).toMatchObject({ file: null, mac: "0004f2a1b2c3", support: "complete" });
    },
  );

  it.each([
    "0004F2A1B2C3.cfg",
    "0004f2a1b2c3.cfg.bak",
    "../0004f2a1b2c3.cfg",
    "0004f2a1b2c3.cfg\u0000",
    "0004f2a1b2c3-phonehome.cfg/../x",
    "ffffffffffff.cfg",
    "000000000000-phonehome.cfg",
    "phonehome-common.cfg ",
    "",
  ])("gives no file for hostile or unknown name %j", (name) => {
    const id = polycom.identify(req(name, "FileTransport PolycomVVX-VVX_410-UA/5.9.0.9373 Type/Application"));
    expect(id?.file).toBeNull();
  });

  it("returns null for a request that is not Polycom", () => {
    expect(polycom.identify(req("y000000000028.cfg", "Yealink SIP-T46S 66.86.0.15 80:5e:c0:aa:bb:cc"))).toBeNull();
    expect(polycom.identify(req("cfg000b828aa872.xml"))).toBeNull();
  });

  it("never throws on garbage", () => {
    const inputs = ["\u0000".repeat(10_000), "FileTransport Polycom".repeat(50_000), "%00%2e%2e", "\ud800"];
    for (const s of inputs) {
      expect(() => polycom.identify(req(s, s))).not.toThrow();
      expect(() => polycom.identify({ ...req(s), userAgent: 42 as unknown as string })).not.toThrow();
    }
    expect(() => polycom.identify(null as unknown as ProvisioningRequest)).not.toThrow();
  });
});
