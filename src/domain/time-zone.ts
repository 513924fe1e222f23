/**
 * Time-zone facts every vendor needs in its own shape (Yealink hour offset + DST rule, Polycom GMT
 * offset in seconds + DST rule, Grandstream POSIX TZ string), derived from an IANA zone name.
 * Pure: the year is taken from `now`, which the caller passes in.
 */
export interface TransitionRule {
  /** 1-12 */
  readonly month: number;
  /** Day of month of the transition in this year. */
  readonly date: number;
  /** 1-4, or 5 for "last in month". */
  readonly week: number;
  /** 0 = Sunday ... 6 = Saturday */
  readonly weekday: number;
  /** Local wall-clock hour (in the time in force before the change). */
  readonly hour: number;
}

export interface TimeZoneInfo {
  readonly iana: string;
  /** Offset of standard time from UTC in minutes (east positive): New York -300, Berlin 60. */
  readonly standardOffsetMinutes: number;
  readonly dst: null | {
    /** Offset in force during DST (east positive): New York -240. */
    readonly offsetMinutes: number;
    readonly start: TransitionRule;
    readonly end: TransitionRule;
  };
  /** POSIX TZ string, e.g. `EST5EDT,M3.2.0/2,M11.1.0/2`. */
  readonly posix: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
    formatters.set(zone, f);
  }
  return f;
}

/** True when the runtime knows the IANA zone name. */
export function isKnownTimeZone(zone: string): boolean {
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

function localParts(zone: string, t: number): { y: number; mo: number; d: number; h: number; mi: number } {
  const parts = Object.fromEntries(formatterFor(zone).formatToParts(t).map((p) => [p.type, p.value]));
  return { y: +parts.year!, mo: +parts.month!, d: +parts.day!, h: +parts.hour!, mi: +parts.minute! };
}

function offsetAt(zone: string, t: number): number {
  const p = localParts(zone, t);
  const asUtc = Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi);
  return Math.round((asUtc - Math.floor(t / 60_000) * 60_000) / 60_000);
}

/** First instant (to the minute) in (lo, hi] whose offset differs from the offset at lo. */
function findChange(zone: string, lo: number, hi: number): number {
  const before = offsetAt(zone, lo);
  while (hi - lo > 60_000) {
    const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
    if (offsetAt(zone, mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

function ruleFor(instant: number, offsetBefore: number): TransitionRule {
  const local = new Date(instant + offsetBefore * 60_000);
  const date = local.getUTCDate();
  const month = local.getUTCMonth() + 1;
  const daysInMonth = new Date(Date.UTC(local.getUTCFullYear(), month, 0)).getUTCDate();
  const week = date + 7 > daysInMonth ? 5 : Math.ceil(date / 7);
  return { month, date, week, weekday: local.getUTCDay(), hour: local.getUTCHours() };
}

const ABBREVIATION_LOCALES = ["en-US", "en-GB"] as const;

function abbreviation(zone: string, t: number, offsetMinutes: number): string {
  for (const locale of ABBREVIATION_LOCALES) {
    const name = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: "short" })
      .formatToParts(t)
      .find((p) => p.type === "timeZoneName")?.value;
    if (name && /^[A-Za-z]{3,6}$/.test(name) && (name !== "GMT" || offsetMinutes === 0)) return name;
  }
  // POSIX quoted form for zones without an alphabetic abbreviation: <+0530>.
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = abs % 60 ? String(abs % 60).padStart(2, "0") : "";
  return `<${sign}${hh}${mm}>`;
}

function posixOffset(offsetMinutes: number): string {
  // POSIX counts hours west of UTC: UTC-5 is "5", UTC+1 is "-1".
  const west = -offsetMinutes;
  const sign = west < 0 ? "-" : "";
  const abs = Math.abs(west);
  return `${sign}${Math.floor(abs / 60)}${abs % 60 ? `:${String(abs % 60).padStart(2, "0")}` : ""}`;
}

function posixRule(r: TransitionRule): string {
  return `M${r.month}.${r.week}.${r.weekday}/${r.hour}`;
}

// The description depends only on (zone, year, and for zones without DST the offset at `now`), and
// computing it costs about a millisecond of Intl calls: memoise per zone and day.
const described = new Map<string, TimeZoneInfo>();

/** Describes `zone` for the calendar year that `now` falls in. Throws on an unknown zone. */
export function describeTimeZone(zone: string, now: Date): TimeZoneInfo {
  const key = `${zone}|${now.toISOString().slice(0, 10)}`;
  let info = described.get(key);
  if (!info) {
    info = computeTimeZone(zone, now);
    if (described.size > 1000) described.clear();
    described.set(key, info);
  }
  return info;
}

function computeTimeZone(zone: string, now: Date): TimeZoneInfo {
  if (!isKnownTimeZone(zone)) throw new RangeError(`unknown time zone ${zone}`);
  const year = now.getUTCFullYear();
  const yearStart = Date.UTC(year, 0, 1);
  const changes: number[] = [];
  // Sample every 7 days; DST periods are months long, so no change is missed.
  let prevT = yearStart;
  let prev = offsetAt(zone, prevT);
  for (let t = yearStart + 7 * 86_400_000; t <= Date.UTC(year + 1, 0, 1); t += 7 * 86_400_000) {
    const off = offsetAt(zone, t);
    if (off !== prev) changes.push(findChange(zone, prevT, t));
    prevT = t;
    prev = off;
  }
  const jan = offsetAt(zone, yearStart);
  if (changes.length !== 2) {
    const std = offsetAt(zone, now.getTime());
    return { iana: zone, standardOffsetMinutes: std, dst: null, posix: `${abbreviation(zone, now.getTime(), std)}${posixOffset(std)}` };
  }
  const [first, second] = changes as [number, number];
  const mid = offsetAt(zone, first + 60_000);
  const standard = Math.min(jan, mid);
  const daylight = Math.max(jan, mid);
  // Northern hemisphere: DST starts at the first change of the year; southern: at the second.
  const [startAt, endAt] = jan === standard ? [first, second] : [second, first];
  const start = ruleFor(startAt, standard);
  const end = ruleFor(endAt, daylight);
  const stdName = abbreviation(zone, jan === standard ? yearStart : first + 60_000, standard);
  const dstName = abbreviation(zone, jan === standard ? first + 60_000 : yearStart, daylight);
  const dstOffsetPart = daylight - standard === 60 ? "" : posixOffset(daylight);
  const posix = `${stdName}${posixOffset(standard)}${dstName}${dstOffsetPart},${posixRule(start)},${posixRule(end)}`;
  return { iana: zone, standardOffsetMinutes: standard, dst: { offsetMinutes: daylight, start, end }, posix };
}

/**
 * The first instant after `after` at which the zone's wall clock shows `hh:mm` (hot-desking's
 * automatic sign-out, docs/hot-desking.md). A time skipped by a DST change that day is taken as
 * the same wall time after the change (e.g. 02:30 on a spring-forward night is 03:30).
 */
export function nextLocalTime(zone: string, after: number, hh: number, mm: number): number {
  const p = localParts(zone, after);
  for (let day = 0; day <= 2; day++) {
    const wall = Date.UTC(p.y, p.mo - 1, p.d + day, hh, mm);
    let t = wall - offsetAt(zone, wall) * 60_000;
    t = wall - offsetAt(zone, t) * 60_000;
    if (t > after) return t;
  }
  /* c8 ignore next: two days ahead always holds the time */
  return after + 86_400_000;
}
