import { describe, expect, it } from "vitest";
import { hasControlCharacters, isProvisioningUrl, UNSAFE_CHARACTERS } from "../../src/domain/validation.ts";
import { encodeLineValue, encodeXmlValue } from "../../src/vendors/shared/encode.ts";

describe("provisioning URLs", () => {
  it.each(["http://prov.example.com/", "https://prov.example.com:8443/phones/", "http://192.0.2.10:8080/p", "https://[2001:db8::1]/", "http://prov.example.com/a-b_c.~d/%20"])("accepts %s", (url) => {
    expect(isProvisioningUrl(url)).toBe(true);
  });

  it.each([
    ["a space", "http://prov.example.com/a b"],
    ["a double quote", 'http://prov.example.com/"x'],
    ["a single quote", "http://prov.example.com/'x"],
    ["an angle bracket", "http://prov.example.com/<script>"],
    ["a backslash", "http://prov.example.com\\@evil/"],
    ["a CR/LF", "http://prov.example.com/\r\nx"],
    ["a bidi override", "http://prov.example.com/\u202Ex"],
    ["a C1 control", "http://prov.example.com/\u0085"],
    ["no scheme", "prov.example.com/"],
    ["a relative path", "/phones/"],
    ["another scheme", "ftp://prov.example.com/"],
    ["javascript", "javascript:alert(1)"],
    ["no host", "http:///x"],
    ["too many characters", `http://prov.example.com/${"a".repeat(600)}`],
  ])("refuses %s", (_why, url) => {
    expect(isProvisioningUrl(url)).toBe(false);
  });
});

describe("control and bidi characters", () => {
  it.each([
    ["NEL (C1)", "a\u0085b"],
    ["CSI (C1)", "a\u009bb"],
    ["PAD (C1)", "a\u0080b"],
    ["LRE", "a\u202Ab"],
    ["RLO", "a\u202Eb"],
    ["LRI", "a\u2066b"],
    ["PDI", "a\u2069b"],
    ["line separator", "a\u2028b"],
    ["tab", "a\tb"],
    ["DEL", "a\u007fb"],
  ])("refuses %s", (_why, v) => {
    expect(hasControlCharacters(v)).toBe(true);
  });

  it.each(["Zoë Ångström", "R&D <Lab>", "日本語", "עברית", "☎ Reception", "\u00a0non-breaking"])("accepts %s", (v) => {
    expect(hasControlCharacters(v)).toBe(false);
  });

  it("the vendors' encoders replace every one of them", () => {
    const hostile = "x\u0085\u009b\u202E\u2066\u2069\u2028\ty";
    expect(encodeLineValue(hostile)).toBe("x       y");
    expect(encodeXmlValue(hostile)).toBe("x       y");
    expect(hostile.replace(UNSAFE_CHARACTERS, "")).toBe("xy");
  });
});
