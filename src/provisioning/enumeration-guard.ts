import { SourceLimiter } from "./source-limiter.ts";

export interface EnumerationGuardOptions {
  /** Failures from one address before answers to its failures are delayed. */
  readonly authFailThreshold: number;
  readonly authFailWindowSeconds: number;
  readonly authFailMaxDelayMs: number;
  /** Failures from one address (plus its allowance) after which it is answered 429. */
  readonly authBlockThreshold: number;
  readonly authBlockSeconds: number;
  /** Extra failures allowed per distinct device that authenticated from the address. */
  readonly authBlockAllowancePerDevice: number;
  /** Bad-credential failures against one tenant, from any address, before its failures are slowed. */
  readonly tenantFailThreshold: number;
}

export type FailureKind =
  /** a device file for an unknown MAC, or a known one with wrong/invalid credentials */
  | "failed"
  /** a known device asked without credentials (the normal first step of Digest): refunded when it authenticates */
  | "challenged";

const MAX_TRACKED = 100_000;

/**
 * Enumeration defence, transport-agnostic. Failed device-file fetches are counted per source
 * address and per tenant (never per MAC, so nobody can lock a real phone out by naming it):
 * - past `authFailThreshold` an address's failures are answered more and more slowly;
 * - past `authBlockThreshold` (+ an allowance per device that authenticated from there, so a
 *   NAT with many real phones is not one attacker) the address gets 429 for `authBlockSeconds`;
 * - a tenant whose devices see more than `tenantFailThreshold` bad credentials in the window is
 *   under a distributed attack: its failures are slowed to the maximum delay and `onTenantAlert` fires.
 * A credential-less request for a known device counts like an unknown MAC (so counting tells
 * nothing about which MACs exist) and is refunded once that device authenticates from the address.
 */
export class EnumerationGuard {
  private readonly bySource: SourceLimiter;
  private readonly byTenant: SourceLimiter;
  private readonly blockedUntil = new Map<string, number>();
  private readonly devicesBySource = new Map<string, { start: number; ids: Set<number> }>();
  private readonly pending = new Map<string, number>();
  private readonly alerted = new Map<number, number>();
  private readonly windowMs: number;

  constructor(
    private readonly o: EnumerationGuardOptions,
    private readonly clock: () => number,
    private readonly onTenantAlert: (tenantId: number, failures: number) => void = () => {},
  ) {
    this.windowMs = o.authFailWindowSeconds * 1000;
    this.bySource = new SourceLimiter(Number.MAX_SAFE_INTEGER, this.windowMs, clock, MAX_TRACKED);
    this.byTenant = new SourceLimiter(Number.MAX_SAFE_INTEGER, this.windowMs, clock, MAX_TRACKED);
  }

  /** Seconds the address must wait, or 0 when it may be served. */
  retryAfter(address: string): number {
    const until = this.blockedUntil.get(address);
    if (until === undefined) return 0;
    const left = until - this.clock();
    if (left > 0) return Math.ceil(left / 1000);
    this.blockedUntil.delete(address);
    return 0;
  }

  private authenticatedDevices(address: string): Set<number> {
    const now = this.clock();
    let entry = this.devicesBySource.get(address);
    if (!entry || now - entry.start >= this.windowMs) {
      entry = { start: now, ids: new Set() };
      this.devicesBySource.delete(address);
      this.devicesBySource.set(address, entry);
      if (this.devicesBySource.size > MAX_TRACKED) this.devicesBySource.delete(this.devicesBySource.keys().next().value!);
    }
    return entry.ids;
  }

  /** Counts one failure; returns how long to delay the answer (ms). */
  failure(address: string, kind: FailureKind, device: { id: number; tenantId: number } | null): number {
    const count = this.bySource.hit(address);
    if (kind === "challenged" && device) {
      const key = `${address}|${device.id}`;
      this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
      if (this.pending.size > MAX_TRACKED) this.pending.delete(this.pending.keys().next().value!);
    }
    const allowance = this.authenticatedDevices(address).size * this.o.authBlockAllowancePerDevice;
    if (count > this.o.authBlockThreshold + allowance) this.blockedUntil.set(address, this.clock() + this.o.authBlockSeconds * 1000);
    let delay = count <= this.o.authFailThreshold ? 0 : Math.min(this.o.authFailMaxDelayMs, 100 * 2 ** Math.min(count - this.o.authFailThreshold - 1, 20));
    if (kind === "failed" && device) {
      const tenantCount = this.byTenant.hit(String(device.tenantId));
      if (tenantCount > this.o.tenantFailThreshold) {
        delay = this.o.authFailMaxDelayMs;
        const last = this.alerted.get(device.tenantId);
        if (last === undefined || this.clock() - last >= this.windowMs) {
          this.alerted.set(device.tenantId, this.clock());
          this.onTenantAlert(device.tenantId, tenantCount);
        }
      }
    }
    return delay;
  }

  /** A device authenticated from the address: refund its challenges, raise the address's allowance. */
  success(address: string, deviceId: number): void {
    this.authenticatedDevices(address).add(deviceId);
    const key = `${address}|${deviceId}`;
    const refund = this.pending.get(key);
    if (refund) {
      this.pending.delete(key);
      this.bySource.refund(address, refund);
    }
  }
}
