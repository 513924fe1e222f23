/**
 * RFC 1350 / RFC 764 netascii: end of line is CR LF and a bare CR is sent as CR NUL. Bodies are
 * converted whole before the transfer, so `tsize` announces the size actually sent.
 */
export function toNetascii(body: Buffer): Buffer {
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
