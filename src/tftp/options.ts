/**
 * Option negotiation for a read request: RFC 2347 (names case-insensitive, OACK only what was
 * asked), 2348 blksize, 2349 timeout and tsize, 7440 windowsize. A value that is not a plain
 * number in range is ignored (not acknowledged), so the transfer falls back to RFC 1350 defaults
 * instead of failing: a bad option can never hurt more than the option-less request would.
 */
export interface OptionLimits {
  /** Largest block size granted (tftpd-hpa recommends 1468 on Ethernet: no IP fragmentation). */
  readonly maxBlksize: number;
  readonly maxWindowsize: number;
}

export interface Negotiated {
  readonly blksize: number;
  readonly windowsize: number;
  /** Client-chosen retransmission timeout (RFC 2349), null when not negotiated. */
  readonly timeoutMs: number | null;
  /** Options to acknowledge, in the order the client sent them; empty = no OACK. */
  readonly oack: ReadonlyMap<string, string>;
}

const DEFAULT_BLKSIZE = 512;
const NUMBER = /^[0-9]{1,10}$/;

function numeric(value: string): number | null {
  return NUMBER.test(value) ? Number(value) : null;
}

export function negotiate(options: ReadonlyMap<string, string>, size: number, limits: OptionLimits): Negotiated {
  let blksize = DEFAULT_BLKSIZE;
  let windowsize = 1;
  let timeoutMs: number | null = null;
  const oack = new Map<string, string>();
  for (const [name, value] of options) {
    const n = numeric(value);
    if (n === null) continue;
    switch (name) {
      case "blksize": // RFC 2348: 8-65464; the server may answer less than asked
        if (n < 8) break;
        blksize = Math.min(n, 65464, limits.maxBlksize);
        oack.set(name, String(blksize));
        break;
      case "timeout": // RFC 2349: 1-255 s, echoed unchanged
        if (n < 1 || n > 255) break;
        timeoutMs = n * 1000;
        oack.set(name, String(n));
        break;
      case "tsize": // RFC 2349: a reading client sends 0, the server answers the size
        oack.set(name, String(size));
        break;
      case "windowsize": // RFC 7440: 1-65535; the server may lower it
        if (n < 1 || n > 65535) break;
        windowsize = Math.min(n, limits.maxWindowsize);
        oack.set(name, String(windowsize));
        break;
      default: // unknown options are ignored (RFC 2347)
    }
  }
  return { blksize, windowsize, timeoutMs, oack };
}
