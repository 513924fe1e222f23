import { describe, expect, it } from "vitest";
import { describeTimeZone } from "../../../src/domain/time-zone.ts";
import { grandstream } from "../../../src/vendors/grandstream/index.ts";
import {
  CUSTOM_TIME_ZONE,
  CUSTOM_TIME_ZONE_MAX_LENGTH,
  GRANDSTREAM_TIME_ZONE_OPTIONS,
  grandstreamTimeZone,
  parsePosixTz,
} from "../../../src/vendors/grandstream/time-zones.ts";
import { builtinTemplates } from "../../helpers/templates.ts";
import { buildPhoneConfig, GOLDEN_NOW } from "../../helpers/phone-config.ts";

const templates = builtinTemplates("grandstream");
const zone = (iana: string) => describeTimeZone(iana, GOLDEN_NOW);

function itemsFor(iana: string, model = "GXP2140"): Record<string, string> {
  const config = buildPhoneConfig("grandstream", model, "000b828aa872", { time: { zone: zone(iana), ntpServers: ["ntp.demo.example"] } });
  const body = grandstream.render("cfg000b828aa872.xml", config, templates)!.body;
  return Object.fromEntries([...body.matchAll(/<item name="([^"]+)">([^<]*)<\/item>/g)].map((m) => [m[1]!, m[2]!]));
}

describe("grandstream time zones: the forms of the template's option list", () => {
  it("parses every option of the GXP21xx 1.0.11.79 / GRP261x 1.0.9.103 list", () => {
    expect(GRANDSTREAM_TIME_ZONE_OPTIONS).toHaveLength(59);
    for (const option of GRANDSTREAM_TIME_ZONE_OPTIONS) expect(parsePosixTz(option), option).not.toBeNull();
  });

  // Each of these was `customize` + `<+0545>-5:45` (a quoted POSIX name no Grandstream source shows).
  it.each([
    ["Asia/Kathmandu", "TZU-5:45"],
    ["Asia/Kolkata", "TZT-5:30"],
    ["America/St_Johns", "NST+3:30NDT+2:30,M3.2.0/02:00:00,M11.1.0/02:00:00"],
    ["Europe/Berlin", "CET-1CEST-2,M3.5.0/02:00:00,M10.5.0/03:00:00"],
    ["Europe/London", "GMT+0BST-1,M3.5.0/01:00:00,M10.5.0/02:00:00"],
    ["Europe/Kyiv", "EET-2EEST,M3.5.0/3,M10.5.0/4"],
    ["Australia/Sydney", "EST-10EDT-11,M10.1.0/02:00:00,M4.1.0/03:00:00"],
    ["Asia/Tokyo", "TZZ-9"],
    ["America/Phoenix", "MST7"],
  ])("%s is the list option %s", (iana, option) => {
    expect(itemsFor(iana)["dateTime.timezone"]).toBe(option);
    expect(itemsFor(iana, "GRP2614")["dateTime.timezone"]).toBe(option);
  });

  it.each([
    // The list has only EST5EDT (dates left to the firmware): the rules are written out.
    ["America/New_York", "EST+5EDT+4,M3.2.0/02:00:00,M11.1.0/02:00:00"],
    // The list's Adelaide option has the wrong dates (M10.5.0 / M3.5.0): not chosen.
    ["Australia/Adelaide", "UTC-9:30UTC-10:30,M10.1.0/02:00:00,M4.1.0/03:00:00"],
    ["Asia/Tehran", "UTC-3:30"],
    ["Pacific/Chatham", "UTC-12:45UTC-13:45,M9.5.0/02:00:00,M4.1.0/03:00:00"],
    ["Australia/Lord_Howe", "UTC-10:30UTC-11,M10.1.0/02:00:00,M4.1.0/02:00:00"],
  ])("%s is self-defined as %s", (iana, custom) => {
    expect(itemsFor(iana)).toMatchObject({ "dateTime.timezone": CUSTOM_TIME_ZONE, "dateTime.timezone.custom": custom });
  });

  it("writes every zone of the runtime as a list option or a letter-named string that describes it", () => {
    const zones = Intl.supportedValuesOf("timeZone");
    expect(zones.length).toBeGreaterThan(300);
    for (const iana of zones) {
      const info = zone(iana);
      const { timezone, custom } = grandstreamTimeZone(info);
      expect(timezone === CUSTOM_TIME_ZONE || GRANDSTREAM_TIME_ZONE_OPTIONS.includes(timezone), iana).toBe(true);
      expect(custom, iana).not.toMatch(/[<>]/);
      expect(custom.length, iana).toBeLessThanOrEqual(CUSTOM_TIME_ZONE_MAX_LENGTH);
      for (const written of [custom, timezone === CUSTOM_TIME_ZONE ? custom : timezone]) {
        const parsed = parsePosixTz(written);
        expect(parsed, `${iana}: ${written}`).not.toBeNull();
        expect(parsed!.stdName, `${iana}: ${written}`).toMatch(/^[A-Za-z]{3,}$/);
        expect(parsed!.std, `${iana}: ${written}`).toBe(info.standardOffsetMinutes);
        expect(parsed!.dst?.offset ?? null, `${iana}: ${written}`).toBe(info.dst?.offsetMinutes ?? null);
        if (info.dst) {
          expect(parsed!.dstName, `${iana}: ${written}`).toMatch(/^[A-Za-z]{3,}$/);
          expect(parsed!.dst!.rules!.start, iana).toEqual({ month: info.dst.start.month, week: info.dst.start.week, weekday: info.dst.start.weekday, at: info.dst.start.hour * 60 });
          expect(parsed!.dst!.rules!.end, iana).toEqual({ month: info.dst.end.month, week: info.dst.end.week, weekday: info.dst.end.weekday, at: info.dst.end.hour * 60 });
        }
      }
    }
  });
});
