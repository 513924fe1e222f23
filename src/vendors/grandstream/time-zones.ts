import type { TimeZoneInfo } from "../../domain/time-zone.ts";

/**
 * Time zone of a Grandstream phone: `dateTime.timezone` (alias of P64) and
 * `dateTime.timezone.custom` (alias of P246, "Self-Defined Time Zone", at most 64 characters).
 *
 * Source: the time-zone option list of Grandstream's "Configuration Template for GXP21xx Firmware
 * Version 1.0.11.79" and of the "Configuration Template for GRP261x/2x/3x/5x/7x Firmware Version
 * 1.0.9.103" (both kept in fusionpbx/fusionpbx resources/templates/provision/grandstream/gxp2140 and
 * grp2614 `{$mac}.xml`; the two lists are the same). Every option value is a POSIX TZ string whose
 * names are letters (`TZT-5:30`, `CET-1CEST-2,M3.5.0/02:00:00,M10.5.0/03:00:00`), and the list ends
 * with "Self-Defined Time Zone: customize", which takes the string of `dateTime.timezone.custom`
 * (the templates' example: `MTZ+6MDT+5,M4.1.0,M11.1.0`). The list below holds the 59 distinct option
 * values (Hobart and Sydney share one). No source shows the quoted POSIX names
 * (`<+0530>`) the IANA database uses where a zone has no letter abbreviation.
 *
 * Rendering:
 * 1. when a list option describes the zone exactly (same offsets, and for DST the same explicit
 *    rules), `dateTime.timezone` is that option: the phone's web UI then shows the named zone;
 * 2. otherwise `customize`, and the custom string in the list's form.
 * `dateTime.timezone.custom` always carries the zone (the option itself in case 1). List options with DST but no
 * rules (`EST5EDT`) leave the dates to the firmware and are never chosen.
 */
export const GRANDSTREAM_TIME_ZONE_OPTIONS: readonly string[] = [
  "TAZ+12", "TAB+11", "HAW10", "AKST9AKDT", "PST8PDT", "PST8PDT,M3.2.0,M11.1.0", "MST7MDT", "MST7",
  "MST7MDT,M4.1.0,M10.5.0", "CST6CDT", "CST+6", "CST6CDT,M4.1.0,M10.5.0", "EST5EDT", "EST5", "TZf+4:30",
  "AST4ADT", "AST4ADT,M3.2.0,M11.1.0", "CLT4CLST,M9.1.6/24:00,M4.1.6/24:00",
  "NST+3:30NDT+2:30,M3.2.0/02:00:00,M11.1.0/02:00:00", "TZK+3", "BRST+3BRDT+2,M11.1.0,M2.3.0", "UTC+3",
  "TZL+2", "TZM+1", "TZM+1TZN+0,M3.4.6/24:00:00,M10.4.0/1:00:00", "TZN+0",
  "GMT+0BST-1,M3.5.0/01:00:00,M10.5.0/02:00:00", "WET-0WEST-1,M3.5.0/01:00:00,M10.5.0/02:00:00",
  "GMT+0IST-1,M3.5.0/01:00:00,M10.5.0/02:00:00", "CET-1CEST-2,M3.5.0/02:00:00,M10.5.0/03:00:00", "TZP-2",
  "EET-2EEST-3,M3.4.5/02:00:00,M10.4.0/02:00:00", "EET-2EEST-3,M3.5.0/03:00:00,M10.4.0/04:00:00",
  "EET-2EEST,M3.5.0/3,M10.5.0/4", "TZQ-3", "MSK-3", "IRST-3:30IRDT-4:30,M3.3.5/24:00:00,M9.3.0/24:00:00",
  "TZR-4", "TZS-5", "TZT-5:30", "TZU-5:45", "TZV-6", "TZW-6:30", "TZX-7", "WIB-7", "TZY-8", "SGT-8", "ULAT-8",
  "WST-8", "TZZ-9", "CST-9:30CDT-10:30,M10.5.0/02:00:00,M3.5.0/03:00:00", "CST-9:30", "TZb-10",
  "EST-10EDT-11,M10.1.0/02:00:00,M4.1.0/03:00:00", "EST-10", "TZc-11",
  "NZST-12NZDT-13,M9.4.0/02:00:00,M4.1.0/03:00:00", "FJT-12FJST-13,M11.2.0/02:00:00,M1.2.0/03:00:00", "TZe-13",
];

/** The option that selects the self-defined string (same list). */
export const CUSTOM_TIME_ZONE = "customize";
/** "Self Defined Time Zone. Max length allowed is 64 characters" (same templates). */
export const CUSTOM_TIME_ZONE_MAX_LENGTH = 64;
/**
 * Name written where the zone has no letter abbreviation: the list's own bare-offset option
 * `UTC+3` uses it. POSIX needs three or more letters; the name is not used to compute the time.
 */
const FALLBACK_NAME = "UTC";

interface Rule {
  readonly month: number;
  readonly week: number;
  readonly weekday: number;
  /** Minutes after local midnight (POSIX allows 24:00 and more). */
  readonly at: number;
}

interface ParsedTz {
  readonly stdName: string | null;
  /** East of UTC, minutes. */
  readonly std: number;
  readonly dstName: string | null;
  readonly dst: null | { readonly offset: number; readonly rules: null | { readonly start: Rule; readonly end: Rule } };
}

const NAME = /^(?:([A-Za-z]{3,})|<[+\-0-9A-Za-z]{1,10}>)/;
const OFFSET = /^([+-]?)(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?/;
const RULE = /^,M(\d{1,2})\.([1-5])\.([0-6])(?:\/(\d{1,3})(?::(\d{2}))?(?::(\d{2}))?)?/;

/** Parses the POSIX TZ forms of the option list and of TimeZoneInfo.posix; null for anything else. */
export function parsePosixTz(tz: string): ParsedTz | null {
  let rest = tz;
  const take = (re: RegExp): RegExpExecArray | null => {
    const m = re.exec(rest);
    if (m) rest = rest.slice(m[0].length);
    return m;
  };
  const stdName = take(NAME);
  const stdOffset = stdName && take(OFFSET);
  if (!stdName || !stdOffset) return null;
  const std = eastMinutes(stdOffset);
  if (rest === "") return { stdName: stdName[1] ?? null, std, dstName: null, dst: null };
  const dstName = take(NAME);
  if (!dstName) return null;
  const dstOffset = take(OFFSET);
  // POSIX: without an offset, DST is one hour ahead of standard time.
  const offset = dstOffset ? eastMinutes(dstOffset) : std + 60;
  if (rest === "") return { stdName: stdName[1] ?? null, std, dstName: dstName[1] ?? null, dst: { offset, rules: null } };
  const start = take(RULE);
  const end = start && take(RULE);
  if (!start || !end || rest !== "") return null;
  return { stdName: stdName[1] ?? null, std, dstName: dstName[1] ?? null, dst: { offset, rules: { start: rule(start), end: rule(end) } } };
}

/** The offset as minutes east of UTC (POSIX counts west); never -0. */
function eastMinutes(m: RegExpExecArray): number {
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  return m[1] === "-" || minutes === 0 ? minutes : -minutes;
}

function rule(m: RegExpExecArray): Rule {
  // POSIX default transition time is 02:00:00.
  const at = m[4] === undefined ? 120 : Number(m[4]) * 60 + Number(m[5] ?? 0);
  return { month: Number(m[1]), week: Number(m[2]), weekday: Number(m[3]), at };
}

const sameRule = (a: Rule, b: Rule): boolean => a.month === b.month && a.week === b.week && a.weekday === b.weekday && a.at === b.at;

function describes(option: ParsedTz, zone: ZoneRules): boolean {
  if (option.std !== zone.std) return false;
  if (!option.dst || !zone.dst) return !option.dst && !zone.dst;
  const rules = option.dst.rules;
  return rules !== null && option.dst.offset === zone.dst.offset && sameRule(rules.start, zone.dst.start) && sameRule(rules.end, zone.dst.end);
}

interface ZoneRules {
  readonly std: number;
  readonly dst: null | { readonly offset: number; readonly start: Rule; readonly end: Rule };
}

function zoneRules(zone: TimeZoneInfo): ZoneRules {
  const toRule = (r: { month: number; week: number; weekday: number; hour: number }): Rule => ({ month: r.month, week: r.week, weekday: r.weekday, at: r.hour * 60 });
  return {
    std: zone.standardOffsetMinutes,
    dst: zone.dst ? { offset: zone.dst.offsetMinutes, start: toRule(zone.dst.start), end: toRule(zone.dst.end) } : null,
  };
}

/** POSIX offset with an explicit sign, as the list writes it: east 330 → `-5:30`, west 360 → `+6`. */
function offsetText(eastMinutes: number): string {
  const west = -eastMinutes;
  const abs = Math.abs(west);
  const minutes = abs % 60;
  return `${west < 0 ? "-" : "+"}${Math.floor(abs / 60)}${minutes ? `:${String(minutes).padStart(2, "0")}` : ""}`;
}

function ruleText(r: Rule): string {
  const hh = String(Math.floor(r.at / 60)).padStart(2, "0");
  const mm = String(r.at % 60).padStart(2, "0");
  return `M${r.month}.${r.week}.${r.weekday}/${hh}:${mm}:00`;
}

/** The zone in the option list's form: letter names, explicit offsets, rules with `hh:mm:ss` times. */
function customTimeZone(zone: TimeZoneInfo): string {
  const names = parsePosixTz(zone.posix);
  const rules = zoneRules(zone);
  const std = `${names?.stdName ?? FALLBACK_NAME}${offsetText(rules.std)}`;
  if (!rules.dst) return std;
  const dst = `${names?.dstName ?? FALLBACK_NAME}${offsetText(rules.dst.offset)}`;
  return `${std}${dst},${ruleText(rules.dst.start)},${ruleText(rules.dst.end)}`;
}

const PARSED_OPTIONS: readonly { readonly value: string; readonly tz: ParsedTz }[] = GRANDSTREAM_TIME_ZONE_OPTIONS.map((value) => {
  const tz = parsePosixTz(value);
  if (!tz) throw new Error(`unparsable Grandstream time-zone option ${value}`);
  return { value, tz };
});

export interface GrandstreamTimeZone {
  /** `dateTime.timezone`: a list option, or `customize`. */
  readonly timezone: string;
  /** `dateTime.timezone.custom`. */
  readonly custom: string;
}

export function grandstreamTimeZone(zone: TimeZoneInfo): GrandstreamTimeZone {
  const rules = zoneRules(zone);
  const option = PARSED_OPTIONS.find((o) => describes(o.tz, rules));
  if (option) return { timezone: option.value, custom: option.value };
  return { timezone: CUSTOM_TIME_ZONE, custom: customTimeZone(zone) };
}
