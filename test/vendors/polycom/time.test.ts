import { describe, expect, it } from "vitest";
import { describeTimeZone } from "../../../src/domain/time-zone.ts";
import { polycomTime } from "../../../src/vendors/polycom/time.ts";
import { GOLDEN_NOW } from "../../helpers/phone-config.ts";

describe("polycom time zone", () => {
  it("gives Berlin a last-Sunday rule in seconds east of UTC", () => {
    const t = polycomTime(describeTimeZone("Europe/Berlin", GOLDEN_NOW));
    expect(t.gmtOffset).toBe(3600);
    expect(t.dst?.start).toEqual({ month: 3, date: null, time: 2, dayOfWeek: 1, lastInMonth: "1" });
    expect(t.dst?.stop).toEqual({ month: 10, date: null, time: 3, dayOfWeek: 1, lastInMonth: "1" });
  });

  it("maps New York's second Sunday to date 8", () => {
    const t = polycomTime(describeTimeZone("America/New_York", GOLDEN_NOW));
    expect(t.gmtOffset).toBe(-18000);
    expect(t.dst?.start).toMatchObject({ month: 3, date: 8, dayOfWeek: 1, lastInMonth: "0" });
  });

  it("has no DST rule where there is none, and keeps half-hour offsets", () => {
    const t = polycomTime(describeTimeZone("Asia/Kolkata", GOLDEN_NOW));
    expect(t).toEqual({ gmtOffset: 19800, dst: null });
  });
});
