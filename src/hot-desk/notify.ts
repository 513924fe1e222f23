import type { ProvisionDeps } from "../provisioning/provision.ts";
import type { SentNotify } from "../registrations/actions.ts";
import { sendQueuedNotifies } from "../registrations/notify-outbox.ts";
import type { SipSettings } from "../registrations/sip-settings.ts";
import type { DeskChange } from "./desks.ts";

/**
 * Every hot-desk change NOTIFYs the phones whose files changed (check-sync, the vendor's resync
 * event), through the same sender, throttle and audit as `phonehome resync`. The change queued
 * them in its own transaction (desks.ts `notifying`, registrations/notify-outbox.ts); this sends
 * them once it has committed.
 */
export interface NotifyReport {
  /** Phones a NOTIFY was sent to (outcomes in the audit log, `notify.sent`). */
  readonly notified: string[];
  /** Phones with no known address (never fetched, never registered): they get the change at their next fetch. */
  readonly skipped: string[];
  readonly done: Promise<SentNotify[]>;
}

/** Sends the NOTIFYs a committed change queued; never throws (outcomes are audited). */
export function notifyChange(deps: ProvisionDeps, sip: SipSettings, changes: readonly Pick<DeskChange, "notify">[]): NotifyReport {
  const notified = changes.flatMap((c) => c.notify.notified);
  const skipped = changes.flatMap((c) => c.notify.skipped);
  const done = sendQueuedNotifies(deps, sip, changes.flatMap((c) => c.notify.ids));
  return { notified, skipped, done };
}
