import type { EventReport, PhoneEvent } from "../vendor.ts";

/**
 * Poly telephony notifications (vendors.md P6): the phone POSTs `<LineRegistrationEvent>` or
 * `<LineUnregistrationEvent>` XML to the event URL, naming the line in `<LineNumber>`.
 */
export function parsePolyEvent(report: EventReport): PhoneEvent | null {
  const body = report.body;
  if (report.method !== "POST" || body === null || body.length > 16_384) return null;
  const kind = /<(LineRegistrationEvent|LineUnregistrationEvent)>/.exec(body)?.[1];
  if (!kind) return null;
  const line = /<LineNumber>\s*(\d{1,3})\s*<\/LineNumber>/.exec(body)?.[1];
  return { event: kind === "LineRegistrationEvent" ? "registered" : "unregistered", account: null, line: line ? Number(line) : null };
}
