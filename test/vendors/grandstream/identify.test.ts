import { describe, expect, it } from "vitest";
import fixtures from "../../fixtures/user-agents/grandstream.json" with { type: "json" };
import { grandstream } from "../../../src/vendors/grandstream/index.ts";

const identifyGrandstream = grandstream.identify;
import type { ProvisioningRequest } from "../../../src/domain/provisioning-request.ts";

function request(fileName: string, userAgent?: string): ProvisioningRequest {
  return { transport: userAgent === undefined ? "tftp" : "http", fileName, userAgent, remoteAddress: "192.0.2.10" };
}

describe("identifyGrandstream with captured User-Agents", () => {
  it.each(fixtures)("reads model, firmware and MAC from $userAgent", (f) => {
    const id = identifyGrandstream(request("cfg.xml", f.userAgent));
    expect(id).toMatchObject({ vendor: f.vendor, model: f.model, firmware: f.firmware, mac: f.mac });
    expect(id?.support).toBe(f.model ? "exact" : "probable");
  });

  it("takes the MAC from the file name over the DevId", () => {
    const id = identifyGrandstream(request("cfg000b82aabbcc.xml", fixtures[0]!.userAgent));
    expect(id).toMatchObject({ mac: "000b82aabbcc", file: { kind: "device", mac: "000b82aabbcc" }, support: "exact" });
  });
});

describe("identifyGrandstream by file name only", () => {
  it.each([
    ["cfg000b828aa872.xml", { kind: "device", mac: "000b828aa872" }, "000b828aa872", null, "complete"],
    ["cfg805ec0a1b2c3.xml", { kind: "device", mac: "805ec0a1b2c3" }, "805ec0a1b2c3", null, "probable"],
    ["cfggrp2614.xml", { kind: "common", mac: null }, null, "GRP2614", "complete"],
    ["cfggxp2140.xml", { kind: "common", mac: null }, null, "GXP2140", "complete"],
    ["cfg.xml", { kind: "common", mac: null }, null, null, "probable"],
  ] as const)("%s", (name, file, mac, model, support) => {
    expect(identifyGrandstream(request(name))).toEqual({ vendor: "grandstream", support, file: { ...file, parsed: expect.anything() }, mac, model, firmware: null });
  });

  it("recognises the legacy binary cfg<mac> but does not serve it", () => {
    expect(identifyGrandstream(request("cfgc074ad0b63ee"))).toMatchObject({ file: null, mac: "c074ad0b63ee", support: "complete" });
  });
});

describe("identifyGrandstream with hostile or foreign input", () => {
  const huge = "A".repeat(1_000_000);
  it.each([
    "",
    "cfg000B828AA872.xml",
    "cfg000000000000.xml",
    "cfgffffffffffff.xml",
    "cfg000b828aa872.xml\u0000",
    "../cfg000b828aa872.xml",
    "cfg000b828aa872.xml.bak",
    "cfg000b828aa872.cfg",
    "cfggxp9999.xml",
    "cfgGRP2614.xml",
    "000b828aa872.cfg",
    "y000000000000.boot",
    huge,
  ])("returns null for %j without a User-Agent", (name) => {
    expect(identifyGrandstream(request(name))).toBeNull();
  });

  it.each([
    huge,
    `Grandstream Model HW ${"G".repeat(100_000)} SW 1 DevId 000b828aa872`,
    "Grandstream Model HW GXP2135 SW 1.0.7.97 DevId zzzzzzzzzzzz",
    "Yealink SIP-T46S 66.86.0.15 80:5e:c0:aa:bb:cc",
    "Grandstream Model HW GXP2135\r\nSW 1.0.7.97 DevId 000b828aa872",
  ])("never throws and claims nothing for a bad User-Agent (%#)", (ua) => {
    expect(identifyGrandstream(request("index.html", ua))).toBeNull();
  });

  it("never throws on non-string fields", () => {
    const bad = { transport: "http", fileName: 42, userAgent: {}, remoteAddress: "x" } as unknown as ProvisioningRequest;
    expect(identifyGrandstream(bad)).toBeNull();
  });

  it("keeps a Grandstream request but serves no file for an unknown name", () => {
    expect(identifyGrandstream(request("../../etc/passwd", fixtures[1]!.userAgent))).toMatchObject({ file: null, model: "GRP2614" });
  });
});
