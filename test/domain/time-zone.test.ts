import { describe, expect, it } from "vitest";
import { describeTimeZone, isKnownTimeZone } from "../../src/domain/time-zone.ts";

const NOW = new Date("2026-06-01T12:00:00Z");

describe("describeTimeZone", () => {
  it("gives US Eastern its offsets, second-Sunday-of-March and first-Sunday-of-November rules", () => {
    const tz = describeTimeZone("America/New_York", NOW);
    expect(tz.standardOffsetMinutes).toBe(-300);
    expect(tz.dst).toEqual({
      offsetMinutes: -240,
      start: { month: 3, date: 8, week: 2, weekday: 0, hour: 2 },
      end: { month: 11, date: 1, week: 1, weekday: 0, hour: 2 },
    });
    expect(tz.posix).toBe("EST5EDT,M3.2.0/2,M11.1.0/2");
  });

  it("uses 'last week' (5) for EU rules", () => {
    const tz = describeTimeZone("Europe/Berlin", NOW);
    expect(tz.standardOffsetMinutes).toBe(60);
    expect(tz.dst?.start).toMatchObject({ month: 3, week: 5, weekday: 0, hour: 2 });
    expect(tz.dst?.end).toMatchObject({ month: 10, week: 5, weekday: 0, hour: 3 });
    expect(tz.posix).toBe("CET-1CEST,M3.5.0/2,M10.5.0/3");
  });

  it("handles southern-hemisphere DST (start after end in the year)", () => {
    const tz = describeTimeZone("Australia/Sydney", NOW);
    expect(tz.standardOffsetMinutes).toBe(600);
    expect(tz.dst?.start.month).toBe(10);
    expect(tz.dst?.end.month).toBe(4);
    expect(tz.posix).toBe("<+10>-10<+11>,M10.1.0/2,M4.1.0/3");
  });

  it("handles zones without DST and with half-hour offsets", () => {
    expect(describeTimeZone("Asia/Kolkata", NOW)).toEqual({ iana: "Asia/Kolkata", standardOffsetMinutes: 330, dst: null, posix: "<+0530>-5:30" });
    expect(describeTimeZone("UTC", NOW).posix).toBe("UTC0");
  });

  it("refuses unknown zones", () => {
    expect(isKnownTimeZone("Mars/Olympus")).toBe(false);
    expect(() => describeTimeZone("Mars/Olympus", NOW)).toThrow(/unknown time zone/);
  });
});
