import { describe, expect, it } from "vitest";
import { formatMac, ouiOf, parseMac } from "../../src/domain/mac.ts";

describe("parseMac", () => {
  it.each([
    ["805ec0a1b2c3", "805ec0a1b2c3"],
    ["80:5E:C0:A1:B2:C3", "805ec0a1b2c3"],
    ["80-5e-c0-a1-b2-c3", "805ec0a1b2c3"],
    ["805e.c0a1.b2c3", "805ec0a1b2c3"],
    ["  0004F2000102 ", "0004f2000102"],
  ])("normalises %s", (input, expected) => {
    expect(parseMac(input)).toBe(expected);
  });

  it.each([
    "",
    "805ec0a1b2c",
    "805ec0a1b2c3d",
    "80:5e:c0:a1:b2",
    "80:5e-c0:a1:b2:c3",
    "zz5ec0a1b2c3",
    "000000000000",
    "ffffffffffff",
    "../../etc/passwd",
    "805ec0a1\nb2c3",
    "805ec0a1b2c3%00",
  ])("refuses %j", (input) => {
    expect(parseMac(input)).toBeNull();
  });

  it("formats and splits the OUI", () => {
    const mac = parseMac("805ec0a1b2c3")!;
    expect(formatMac(mac)).toBe("80:5e:c0:a1:b2:c3");
    expect(formatMac(mac, "-")).toBe("80-5e-c0-a1-b2-c3");
    expect(ouiOf(mac)).toBe("805ec0");
  });
});
