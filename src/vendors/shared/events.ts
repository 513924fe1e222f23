import type { EventReport, PhoneEvent } from "../vendor.ts";

const EVENT_NAMES: readonly PhoneEvent["event"][] = ["registered", "unregistered", "register_failed"];

/**
 * The action-URL form (Yealink action URLs, Grandstream event URLs): the hooks rendered by the
 * adapter call `GET <event url>/<event>?account=<account>&ip=<ip>`.
 */
export function parseActionUrlEvent(report: EventReport): PhoneEvent | null {
  if (report.method !== "GET") return null;
  const event = EVENT_NAMES.find((e) => e === report.path);
  if (!event) return null;
  const account = report.query.account;
  return { event, account: typeof account === "string" ? account.slice(0, 64) : null, line: null };
}
