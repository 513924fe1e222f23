import { describe, expect, it } from "vitest";
import { checkNumber, DEFAULT_NUMBERING_PLAN } from "../../src/domain/numbering-plan.ts";

describe("numbering plan of the star-code document", () => {
  it.each([
    ["911", "911 (Emergency Services)"],
    ["988", "988 (National Suicide Hotline)"],
    ["705", "700-719 (Call Parking without Ringback)"],
    ["5000", "5000 (Unregistered Login to Voicemail – Prompts for extension and password)"],
    ["7005", "7000-7999 (Transfer to Voicemail)"],
    ["9902", "9902 (Hot Desking Sign In)"],
    ["9950", "9900-9999 (Reserved for System Features)"],
    ["00", "0-99 (Reserved for internal use)"],
  ])("refuses %s, naming the range %s", (n, range) => {
    expect(checkNumber(DEFAULT_NUMBERING_PLAN, n).error).toBe(`${n} is in the restricted range ${range}`);
  });

  it.each(["100", "599", "800", "1000", "4999", "5003", "6999", "8000", "9099", "9150", "9299"])("accepts %s without a warning", (n) => {
    expect(checkNumber(DEFAULT_NUMBERING_PLAN, n)).toEqual({ error: null, warnings: [] });
  });

  it.each(["600", "699", "5002", "9300", "12345"])("accepts %s with a warning: in no recommended range", (n) => {
    const r = checkNumber(DEFAULT_NUMBERING_PLAN, n);
    expect(r.error).toBeNull();
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(new RegExp(`^${n} is in no recommended range \\(100-599 User Extensions; .*9200-9299 Special Extensions`));
  });
});
