import type { Forwarding } from "../services/extension-settings/schemas.ts";

/**
 * Which forwarding applies at an instant. The guide: unconditional forwarding overrides the
 * conditional forwards within its period; mode `destination` is always in its period, `schedule`
 * only inside one of its rules (days and [from, to) times in the tenant's time zone).
 */
export interface EffectiveForwarding {
  readonly at: string;
  readonly localTime: string;
  readonly unconditional: { readonly destination: string; readonly rule: number | null } | null;
  /** The conditional forwards, or null while an unconditional forward overrides them. */
  readonly conditional: Forwarding["conditional"] | null;
  readonly exceptionNumbers: readonly string[];
}

const DAY_KEYS = { Mon: "mon", Tue: "tue", Wed: "wed", Thu: "thu", Fri: "fri", Sat: "sat", Sun: "sun" } as const;

/** Day of week and HH:MM at `at` in `timeZone`. */
export function localDayTime(at: Date, timeZone: string): { day: (typeof DAY_KEYS)[keyof typeof DAY_KEYS]; time: string } {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  return { day: DAY_KEYS[get("weekday") as keyof typeof DAY_KEYS], time: `${get("hour")}:${get("minute")}` };
}

export function effectiveForwarding(f: Forwarding, at: Date, timeZone: string): EffectiveForwarding {
  const { day, time } = localDayTime(at, timeZone);
  const base = { at: at.toISOString(), localTime: `${day} ${time} ${timeZone}`, exceptionNumbers: f.exceptionNumbers };
  const u = f.unconditional;
  let unconditional: EffectiveForwarding["unconditional"] = null;
  if (u.mode === "destination") unconditional = { destination: u.destination!, rule: null };
  if (u.mode === "schedule") {
    const i = u.rules.findIndex((r) => r.days.includes(day) && r.from <= time && time < r.to);
    if (i >= 0) unconditional = { destination: u.destination!, rule: i };
  }
  return { ...base, unconditional, conditional: unconditional ? null : f.conditional };
}
