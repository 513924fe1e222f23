import type { VendorId } from "../domain/phone-config.ts";

export type PhoneAction = "resync" | "reboot";

/**
 * The Event header that makes each vendor's phone re-fetch its files or reboot:
 * - Yealink: `check-sync;reboot=false` resyncs, `check-sync;reboot=true` reboots, given
 *   `sip.notify_reboot_enable = 0` in the device file (vendors.md Y6; FPBX event_notify/index.lua).
 * - Poly: `check-sync` for both; whether it reboots is the phone's
 *   `voIpProt.SIP.specialEvent.checkSync.alwaysReboot` (we render 0: reboot only when the new files
 *   need it). vendors.md P6 (Asterisk pjsip_notify.conf.sample `polycom-check-cfg`, FPBX).
 * - Grandstream: `resync` re-provisions without reboot, `check-sync;reboot=true` reboots
 *   (vendors.md G6; FPBX PR 3014, tested on GXP2130/2160).
 */
const EVENTS: Readonly<Record<VendorId, Readonly<Record<PhoneAction, string>>>> = {
  yealink: { resync: "check-sync;reboot=false", reboot: "check-sync;reboot=true" },
  polycom: { resync: "check-sync", reboot: "check-sync" },
  grandstream: { resync: "resync", reboot: "check-sync;reboot=true" },
};

export const checkSyncEvent = (vendor: VendorId, action: PhoneAction): string => EVENTS[vendor][action];
