import { bufferSource, readAll, type Source } from "./source.ts";

// netascii needs the whole body in memory (its size changes); beyond this the request is refused.
const MAX_NETASCII_BYTES = 64 * 1024 * 1024;

/** Reads a source whole and returns its netascii form; throws when it is too large. */
export async function netasciiSource(source: Source): Promise<Source> {
  try {
    if (source.size > MAX_NETASCII_BYTES) throw new Error("too large for netascii");
    return bufferSource(toNetascii(readAll(source)));
  } finally {
    source.close();
  }
}

/**
 * RFC 1350 / RFC 764 netascii: end of line is CR LF and a bare CR is sent as CR NUL. Bodies are
 * converted whole before the transfer, so `tsize` announces the size actually sent.
 */
function toNetascii(body: Buffer): Buffer {
  let extra = 0;
  for (const b of body) if (b === 0x0a || b === 0x0d) extra++;
  if (extra === 0) return body;
  const out = Buffer.allocUnsafe(body.length + extra);
  let j = 0;
  for (const b of body) {
    if (b === 0x0a) {
      out[j++] = 0x0d;
      out[j++] = 0x0a;
    } else if (b === 0x0d) {
      out[j++] = 0x0d;
      out[j++] = 0x00;
    } else {
      out[j++] = b;
    }
  }
  return out;
}
