/**
 * Requests whose client has not acknowledged anything yet. Such a request proves nothing about
 * its source address (UDP is trivially spoofed), so it must not be able to hold slots that real
 * phones need: eight spoofed datagrams used to block a phone's address for the whole retry ladder
 * (31 s), and 500 from 65 addresses blocked all TFTP for 20 s. The rules:
 * - an unconfirmed request gives up after one short wait (Transfer, `unconfirmedRetries`);
 * - each source may hold `perSource` unconfirmed requests, all sources together `total`;
 * - when a new request finds its budget (or the server, or its source) full, the oldest unconfirmed
 *   request that has a transfer is dropped to make room, without a word to its unproven source;
 * - a confirmed transfer (first ACK received) is never dropped for a newcomer.
 * A phone's own request therefore always gets a slot unless its budget is refilled faster than the
 * phone's first ACK arrives (under a millisecond on a LAN).
 */
export class UnconfirmedSlots<T> {
  /** Insertion order = age: the first entry is the oldest. `null` = still being looked up. */
  private readonly entries = new Map<string, { address: string; item: T | null }>();
  private readonly perAddress = new Map<string, number>();

  constructor(
    readonly perSource: number,
    readonly total: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  countFrom(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }

  add(key: string, address: string): void {
    this.entries.set(key, { address, item: null });
    this.perAddress.set(address, this.countFrom(address) + 1);
  }

  /** The request's transfer has started: it may now be dropped for a newcomer. */
  attach(key: string, item: T): void {
    const e = this.entries.get(key);
    if (e) e.item = item;
  }

  /** The request was confirmed, or ended: it no longer counts. */
  remove(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    const n = this.countFrom(e.address) - 1;
    if (n > 0) this.perAddress.set(e.address, n);
    else this.perAddress.delete(e.address);
  }

  /** The oldest droppable request, of `address` when given; null when there is none. */
  oldest(address?: string): T | null {
    for (const e of this.entries.values()) {
      if (e.item !== null && (address === undefined || e.address === address)) return e.item;
    }
    return null;
  }
}
