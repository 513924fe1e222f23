import type { TimeZoneInfo, TransitionRule } from "../../domain/time-zone.ts";

/**
 * `tcpIpApp.sntp.*` time-zone values (vendors.md P3). Rules from the Polycom SIP 2.2 admin guide
 * (azmanual.top/manuals/189944/polycom-soundpoint-sip-220.html?page=165): gmtOffset in seconds;
 * with fixedDayEnable=0, `date` 1/8/15/22 = first..fourth occurrence of `dayOfWeek`
 * (1=Sun..7=Sat), `dayOfWeek.lastInMonth`=1 for "last"; `time` is the hour 0-23.
 */
export interface DstRuleRow {
  readonly month: number;
  /** null when lastInMonth is 1 (the date is then ignored and not emitted). */
  readonly date: number | null;
  readonly time: number;
  readonly dayOfWeek: number;
  readonly lastInMonth: string;
}

export interface PolycomTime {
  readonly gmtOffset: number;
  readonly dst: null | { readonly start: DstRuleRow; readonly stop: DstRuleRow };
}

function rule(r: TransitionRule): DstRuleRow {
  const last = r.week >= 5;
  return {
    month: r.month,
    date: last ? null : (r.week - 1) * 7 + 1,
    time: r.hour,
    dayOfWeek: r.weekday + 1,
    lastInMonth: last ? "1" : "0",
  };
}

export function polycomTime(zone: TimeZoneInfo): PolycomTime {
  return {
    gmtOffset: zone.standardOffsetMinutes * 60,
    dst: zone.dst ? { start: rule(zone.dst.start), stop: rule(zone.dst.end) } : null,
  };
}
