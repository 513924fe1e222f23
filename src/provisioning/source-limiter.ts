/**
 * Counts events per source address in a sliding fixed window. Used to bound discovery-inbox
 * writes per address and to count failed phone authentications. Memory is bounded: when more
 * than `maxSources` addresses are tracked, the oldest windows are dropped.
 */
export class SourceLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly clock: () => number = Date.now,
    private readonly maxSources = 100_000,
  ) {}

  private current(source: string): { start: number; count: number } {
    const now = this.clock();
    let w = this.windows.get(source);
    if (!w || now - w.start >= this.windowMs) {
      w = { start: now, count: 0 };
      this.windows.delete(source);
      this.windows.set(source, w);
      if (this.windows.size > this.maxSources) this.windows.delete(this.windows.keys().next().value!);
    }
    return w;
  }

  /** Counts one event; false when the source already reached the limit in this window. */
  take(source: string): boolean {
    const w = this.current(source);
    if (w.count >= this.limit) return false;
    w.count++;
    return true;
  }

  /** Counts one event unconditionally and returns the count in the window. */
  hit(source: string): number {
    const w = this.current(source);
    w.count++;
    return w.count;
  }

  /** Takes back up to `n` events counted in the current window. */
  refund(source: string, n: number): void {
    const w = this.windows.get(source);
    if (w && this.clock() - w.start < this.windowMs) w.count = Math.max(0, w.count - n);
  }

  count(source: string): number {
    const w = this.windows.get(source);
    return w && this.clock() - w.start < this.windowMs ? w.count : 0;
  }
}
