import type { TimeZoneInfo, TransitionRule } from "../../domain/time-zone.ts";

/** Values of the `local_time.*` parameters (vendors.md Y3). */
export interface YealinkTime {
  readonly timeZone: string;
  /** 0 off, 1 on (2 = automatic from the phone's AutoDST table, which we do not use). */
  readonly summerTime: string;
  /** Present only when the zone has DST. */
  readonly dst: null | {
    /** 1 = DST by week: start/end as Month/Week of Month/Day of Week/Hour. */
    readonly type: string;
    readonly start: string;
    readonly end: string;
    /** Minutes added during DST. */
    readonly offset: string;
  };
  readonly ntpServer1: string | null;
  readonly ntpServer2: string | null;
}

/**
 * Hour offset with sign, minutes after a colon: -5, +1, +5:30, -3:30, 0. The colon form is the
 * Yealink time-zone notation "[+/-][X]:[Y]" of the AutoDST attribute table (Admin Guide, "Auto DST
 * File Attributes", e.g. https://www.easymanua.ls/yealink/w53p/manual/269696?p=91); tancredi's
 * yealink.macros writes Asia/Kolkata as "+5:30" and America/St_Johns as "-3:30".
 */
export function formatZoneOffset(offsetMinutes: number): string {
  if (offsetMinutes === 0) return "0";
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  const minutes = abs % 60;
  return `${sign}${Math.floor(abs / 60)}${minutes ? `:${String(minutes).padStart(2, "0")}` : ""}`;
}

/**
 * DST by week, `Month/Week of Month/Day of Week/Hour of Day`: week 1-4, 5 = last week; day of week
 * 1 = Monday … 7 = Sunday; hour 0-23 (Admin Guide, local_time.start_time, e.g.
 * https://www.easymanua.ls/yealink/t27p/manual/21630?p=112). Our rules count 0 = Sunday.
 */
function formatWeekRule(rule: TransitionRule): string {
  const weekday = rule.weekday === 0 ? 7 : rule.weekday;
  return `${rule.month}/${rule.week}/${weekday}/${rule.hour}`;
}

export function buildTime(zone: TimeZoneInfo, ntpServers: readonly string[]): YealinkTime {
  const dst = zone.dst
    ? {
        type: "1",
        start: formatWeekRule(zone.dst.start),
        end: formatWeekRule(zone.dst.end),
        offset: String(zone.dst.offsetMinutes - zone.standardOffsetMinutes),
      }
    : null;
  return {
    timeZone: formatZoneOffset(zone.standardOffsetMinutes),
    summerTime: dst ? "1" : "0",
    dst,
    ntpServer1: ntpServers[0] ?? null,
    ntpServer2: ntpServers[1] ?? null,
  };
}
