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
  /** A challenge (401 to a request without credentials) counts as a failure once unanswered this long. */
  readonly authChallengeGraceSeconds: number;
}

export type FailureKind =
  /** wrong, replayed or invalid credentials, refused certificate: counts at once */
  | "failed"
  /** a device file asked without credentials (known MAC or not): the normal first step of Digest */
  | "challenged";

interface Challenge {
  readonly at: number;
  readonly key: string;
  answered: boolean;
}

const MAX_TRACKED = 100_000;

/** Delay before answering the `count`th failure in the window: 0 up to the threshold, then 100 ms doubling to the cap. */
export function failureDelayMs(count: number, threshold: number, maxMs: number): number {
  return count <= threshold ? 0 : Math.min(maxMs, 100 * 2 ** Math.min(count - threshold - 1, 20));
}

/**
 * Enumeration defence, transport-agnostic. Failed device-file fetches are counted per source
 * address and per tenant (never per MAC, so nobody can lock a real phone out by naming it):
 * - past `authFailThreshold` an address's failures are answered more and more slowly;
 * - past `authBlockThreshold` (+ an allowance per device that authenticated from there, so a
 *   NAT with many real phones is not one attacker) the address gets 429 for `authBlockSeconds`;
 * - a tenant whose devices see more than `tenantFailThreshold` bad credentials in the window is
 *   under a distributed attack: its failures are slowed to the maximum delay and `onTenantAlert` fires.
 * A request without credentials (the first step of Digest) is a challenge, whether its MAC is known
 * or not (so counting tells nothing about which MACs exist). It becomes a failure only when no
 * authenticated request for the same file follows from that address within
 * `authChallengeGraceSeconds`: real phones answer at once, even a hundred booting behind one NAT,
 * while a scanner that never authenticates accumulates failures all the same.
 */
export class EnumerationGuard {
  private readonly bySource: SourceLimiter;
  private readonly byTenant: SourceLimiter;
  private readonly blockedUntil = new Map<string, number>();
  private readonly devicesBySource = new Map<string, { start: number; ids: Set<number> }>();
  private readonly challenges = new Map<string, Challenge[]>();
  private readonly unanswered = new Map<string, Challenge[]>();
  private readonly alerted = new Map<number, number>();
  /** Until then every failure gets the maximum delay: a tenant passed tenantFailThreshold. */
  private slowAllUntil = 0;
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

  /** Turns the address's challenges older than the grace period, still unanswered, into failures. */
  private ageChallenges(address: string): number {
    const queue = this.challenges.get(address);
    let count = this.bySource.count(address);
    if (!queue) return count;
    const cutoff = this.clock() - this.o.authChallengeGraceSeconds * 1000;
    while (queue.length && queue[0]!.at <= cutoff) {
      const c = queue.shift()!;
      if (!c.answered) count = this.bySource.hit(address);
      const open = this.unanswered.get(c.key);
      if (open?.[0] === c) open.shift();
      if (open && !open.length) this.unanswered.delete(c.key);
    }
    if (!queue.length) this.challenges.delete(address);
    return count;
  }

  private remember(address: string, fileName: string): void {
    const c: Challenge = { at: this.clock(), key: `${address}|${fileName}`, answered: false };
    let queue = this.challenges.get(address);
    if (!queue) {
      queue = [];
      this.challenges.set(address, queue);
      if (this.challenges.size > MAX_TRACKED) this.challenges.delete(this.challenges.keys().next().value!);
    }
    if (queue.length >= MAX_TRACKED) queue.shift();
    queue.push(c);
    const open = this.unanswered.get(c.key) ?? [];
    open.push(c);
    this.unanswered.set(c.key, open);
  }

  private checkBlock(address: string, count: number): void {
    const allowance = this.authenticatedDevices(address).size * this.o.authBlockAllowancePerDevice;
    if (count > this.o.authBlockThreshold + allowance) this.blockedUntil.set(address, this.clock() + this.o.authBlockSeconds * 1000);
  }

  /** Counts one failed or challenged request; returns how long to delay the answer (ms). */
  failure(address: string, kind: FailureKind, fileName: string, device: { id: number; tenantId: number } | null): number {
    let count = this.ageChallenges(address);
    if (kind === "challenged") this.remember(address, fileName);
    else count = this.bySource.hit(address);
    this.checkBlock(address, count);
    if (kind === "challenged") return 0;
    let delay = failureDelayMs(count, this.o.authFailThreshold, this.o.authFailMaxDelayMs);
    // While any tenant is under a distributed attack every failed answer is slowed, the unknown MACs'
    // and other tenants' too: slowing only the attacked tenant's devices told which MACs exist (issue 11 item 3).
    if (this.clock() < this.slowAllUntil) delay = this.o.authFailMaxDelayMs;
    if (device) {
      const tenantCount = this.byTenant.hit(String(device.tenantId));
      if (tenantCount > this.o.tenantFailThreshold) {
        delay = this.o.authFailMaxDelayMs;
        this.slowAllUntil = this.clock() + this.windowMs;
        const last = this.alerted.get(device.tenantId);
        if (last === undefined || this.clock() - last >= this.windowMs) {
          this.alerted.set(device.tenantId, this.clock());
          this.onTenantAlert(device.tenantId, tenantCount);
        }
      }
    }
    return delay;
  }

  /** A device authenticated from the address: its challenges are answered, the address's allowance rises. */
  success(address: string, fileName: string, deviceId: number): void {
    this.authenticatedDevices(address).add(deviceId);
    const key = `${address}|${fileName}`;
    for (const c of this.unanswered.get(key) ?? []) c.answered = true;
    this.unanswered.delete(key);
    this.ageChallenges(address);
  }
}
