/**
 * Rollout state of one device: what its User-Agent last reported against its tenant's pin.
 * `unknown` when either side is missing (no pin, or the phone never said, e.g. TFTP only).
 */
export type FirmwareStatus = "current" | "upgrade pending" | "unknown";

export function firmwareStatus(reported: string | null, target: string | null): FirmwareStatus {
  if (!reported || !target) return "unknown";
  return reported === target ? "current" : "upgrade pending";
}
