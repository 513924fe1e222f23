/**
 * TFTP packet codec (RFC 1350, option extension RFC 2347). Parsing never throws: a malformed
 * datagram yields null (or an error description for a request), so no input can stop the server.
 */
export const OP = { RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;

/** RFC 1350 error codes (8: option negotiation failed, RFC 2347). */
export const ERR = {
  undefined: 0,
  notFound: 1,
  accessViolation: 2,
  diskFull: 3,
  illegalOperation: 4,
  unknownTid: 5,
  fileExists: 6,
  noSuchUser: 7,
  badOption: 8,
} as const;

/** RFC 2347: a request, options included, fits in 512 octets. */
export const MAX_REQUEST_BYTES = 512;

export type Mode = "octet" | "netascii";

export interface Request {
  readonly opcode: typeof OP.RRQ | typeof OP.WRQ;
  readonly fileName: string;
  readonly mode: Mode;
  /** Option names lower-cased (RFC 2347: case-insensitive); first occurrence wins. */
  readonly options: ReadonlyMap<string, string>;
}

export type RequestParse = { readonly ok: true; readonly request: Request } | { readonly ok: false; readonly reason: string };

/** Splits NUL-terminated ASCII strings; null when the last one is not terminated or a byte is not printable. */
function splitStrings(buf: Buffer, start: number): string[] | null {
  const out: string[] = [];
  let from = start;
  for (let i = start; i < buf.length; i++) {
    const b = buf[i]!;
    if (b === 0) {
      out.push(buf.toString("latin1", from, i));
      from = i + 1;
    } else if (b < 0x20 || b > 0x7e) {
      return null;
    }
  }
  return from === buf.length ? out : null;
}

export function opcodeOf(buf: Buffer): number | null {
  return buf.length >= 2 ? buf.readUInt16BE(0) : null;
}

/** Parses an RRQ or WRQ; the caller has checked the opcode. */
export function parseRequest(buf: Buffer): RequestParse {
  const opcode = opcodeOf(buf);
  if (opcode !== OP.RRQ && opcode !== OP.WRQ) return { ok: false, reason: "not a request" };
  if (buf.length > MAX_REQUEST_BYTES) return { ok: false, reason: "request longer than 512 octets" };
  const parts = splitStrings(buf, 2);
  if (!parts || parts.length < 2) return { ok: false, reason: "malformed request" };
  const [fileName, modeText, ...rest] = parts as [string, string, ...string[]];
  const mode = modeText.toLowerCase();
  if (mode !== "octet" && mode !== "netascii") return { ok: false, reason: `unsupported mode` };
  if (fileName.length === 0) return { ok: false, reason: "empty file name" };
  // A trailing unpaired name is tolerated (some clients pad); it is simply not an option.
  const options = new Map<string, string>();
  for (let i = 0; i + 1 < rest.length; i += 2) {
    const name = rest[i]!.toLowerCase();
    if (name && !options.has(name)) options.set(name, rest[i + 1]!);
  }
  return { ok: true, request: { opcode, fileName, mode, options } };
}

/** Parses an ACK: the 16-bit block number, or null when the datagram is not a well-formed ACK. */
export function parseAck(buf: Buffer): number | null {
  return buf.length >= 4 && buf.readUInt16BE(0) === OP.ACK ? buf.readUInt16BE(2) : null;
}

export function encodeError(code: number, message: string): Buffer {
  const text = Buffer.from(message.replace(/[^\x20-\x7e]/g, "?").slice(0, 100), "latin1");
  const out = Buffer.alloc(4 + text.length + 1);
  out.writeUInt16BE(OP.ERROR, 0);
  out.writeUInt16BE(code, 2);
  text.copy(out, 4);
  return out;
}

export function encodeOack(options: ReadonlyMap<string, string>): Buffer {
  const parts: Buffer[] = [Buffer.from([0, OP.OACK])];
  for (const [name, value] of options) parts.push(Buffer.from(`${name}\0${value}\0`, "latin1"));
  return Buffer.concat(parts);
}
