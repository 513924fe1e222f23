import { describe, expect, it } from "vitest";
import { encodeDeep, encodeLineValue, encodeXmlValue } from "../../../src/vendors/shared/encode.ts";

describe("value encoders", () => {
  it("keeps a key = value value on one line", () => {
    expect(encodeLineValue("Evil\r\naccount.1.password = x")).toBe("Evil  account.1.password = x");
    expect(encodeLineValue("a\u2028b\u0085c\u0000d")).toBe("a b c d");
    expect(encodeLineValue("Zoë Ångström")).toBe("Zoë Ångström");
  });

  it("escapes XML specials and control characters", () => {
    expect(encodeXmlValue(`R&D <Lab> "q" 'a'`)).toBe("R&amp;D &lt;Lab&gt; &quot;q&quot; &apos;a&apos;");
    expect(encodeXmlValue("a\r\nb")).toBe("a  b");
  });

  it("encodes every string leaf of a context, deeply, without touching the input", () => {
    const input = { a: "<", list: [{ b: "&" }, "x\n"], n: 5, t: true, z: null };
    const out = encodeDeep(input, encodeXmlValue);
    expect(out).toEqual({ a: "&lt;", list: [{ b: "&amp;" }, "x "], n: "5", t: "true", z: null });
    expect(input.a).toBe("<");
  });
});
