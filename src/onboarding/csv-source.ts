import { Readable } from "node:stream";
import { CsvError, parse } from "csv-parse";
import { parseMac } from "../domain/mac.ts";
import { invalidInput, payloadTooLarge, type AppError } from "../errors.ts";
import { COLUMNS, REQUIRED_COLUMNS, type Column, type DeviceRecord } from "./columns.ts";
import { unguardCell } from "./csv-guard.ts";

/**
 * Turns the bytes of a CSV file into device records, streaming: the file is never held whole.
 * Anything that makes the file unreadable as a whole (encoding, quoting, header, empty) is thrown as
 * one `malformed CSV: ...` error; a row with the wrong number of fields is a row problem instead.
 */

const malformed = (why: string): AppError => invalidInput(`malformed CSV: ${why}`);

/** Longest record csv-parse buffers; a longer one means a runaway quote or a binary file. */
const MAX_RECORD_CHARS = 64 * 1024;

function checkStart(head: Buffer): void {
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    throw malformed("the file is UTF-16 (it starts with a UTF-16 byte-order mark); save it as CSV UTF-8");
  }
  if (head.subarray(0, 64).includes(0)) throw malformed("the file holds NUL bytes: it is UTF-16 or binary, not CSV UTF-8");
}

/** UTF-8 bytes -> text, refusing invalid UTF-8 with the line it is on. A UTF-8 BOM is dropped. */
async function* decodeUtf8(source: AsyncIterable<Buffer | Uint8Array | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  let first = true;
  let lines = 1;
  for await (const part of source) {
    const chunk = typeof part === "string" ? Buffer.from(part, "utf8") : Buffer.from(part.buffer, part.byteOffset, part.byteLength);
    if (first && chunk.length) checkStart(chunk);
    first = first && chunk.length === 0;
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      const loose = new TextDecoder("utf-8").decode(chunk);
      const at = loose.indexOf("\uFFFD");
      throw malformed(`the file is not valid UTF-8 (line ${lines + countLines(loose.slice(0, Math.max(at, 0)))}); save it as CSV UTF-8`);
    }
    lines += countLines(text);
    if (text) yield text;
  }
  try {
    const rest = decoder.decode();
    if (rest) yield rest;
  } catch {
    throw malformed(`the file ends in the middle of a UTF-8 character (line ${lines}): is it truncated?`);
  }
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

function describeCsvError(err: CsvError): string {
  const line = (err as unknown as { lines?: number }).lines;
  switch (err.code) {
    case "CSV_QUOTE_NOT_CLOSED":
      return `a quoted field opened at or before line ${line} is never closed (a missing " or a truncated file)`;
    case "CSV_INVALID_CLOSING_QUOTE":
      return `line ${line}: a closing quote must be followed by a comma or the end of the line (write "" for a quote inside a quoted field)`;
    case "INVALID_OPENING_QUOTE":
      return `line ${line}: a quote in the middle of a field (quote the whole field, and write "" for a quote inside it)`;
    case "CSV_MAX_RECORD_SIZE":
      return `line ${line}: a record is longer than ${MAX_RECORD_CHARS} characters (a runaway quote?)`;
    default:
      return err.message;
  }
}

/** A CSV format: its columns, those the header must have, and what one row is (for messages). */
export interface CsvFormat<C extends string> {
  readonly columns: readonly C[];
  readonly required: readonly C[];
  /** "device", "extension": what a row holds. */
  readonly rowKind: string;
  /** "a" or "an", before rowKind. */
  readonly article: "a" | "an";
  /** True when a first line is a row rather than the header (a MAC, an extension number). */
  readonly looksLikeRow: (firstCell: string) => boolean;
}

/** One data row as text: the cells by column ("" when the column is not in the header). */
export interface CsvRow<C extends string> {
  /** Line number in the file (header = 1). */
  readonly row: number;
  readonly fieldCount: { readonly got: number; readonly expected: number };
  readonly cells: Readonly<Record<C, string>>;
  /** The columns the header has. */
  readonly present: ReadonlySet<C>;
}

const DEVICE_CSV: CsvFormat<Column> = {
  columns: COLUMNS,
  required: REQUIRED_COLUMNS,
  rowKind: "device",
  article: "a",
  looksLikeRow: (cell) => parseMac(cell) !== null,
};

/** Maps the header row to column positions, or says what is wrong with it. */
function readHeader<C extends string>(cells: readonly string[], format: CsvFormat<C> = DEVICE_CSV as unknown as CsvFormat<C>): Map<C, number> {
  const list = format.columns.join(",");
  if (cells.length && format.looksLikeRow(cells[0]!)) {
    throw malformed(`the first line is ${format.article} ${format.rowKind}, not the header; start the file with the line ${list}`);
  }
  const positions = new Map<C, number>();
  for (const [i, raw] of cells.entries()) {
    const name = raw.trim().toLowerCase();
    if (!(format.columns as readonly string[]).includes(name)) {
      throw malformed(`unknown column "${raw.slice(0, 32)}" in the header (columns: ${list})`);
    }
    if (positions.has(name as C)) throw malformed(`the column ${name} appears twice in the header`);
    positions.set(name as C, i);
  }
  const missing = format.required.filter((c) => !positions.has(c));
  if (missing.length) throw malformed(`the header lacks the column(s) ${missing.join(", ")} (header: ${list})`);
  return positions;
}

export interface CsvProgress {
  /** Bytes read so far, for a progress bar against the file size. */
  bytes: number;
}

type CsvInput = AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer | Uint8Array | string>;

export interface CsvLimits {
  /** Most data rows (config importMaxRows); the next one refuses the file before the rest is read. */
  readonly maxRows?: number;
}

/** A file past `importMaxRows`: refused as a whole, and its remaining bytes are never read. */
const tooManyRows = (max: number): AppError =>
  payloadTooLarge(
    `the file has more than ${max} rows, the most one import takes (importMaxRows, env PHONEHOME_IMPORT_MAX_ROWS); nothing was written. Split the file, or raise importMaxRows`,
  );

/** Streams the rows of a CSV file of `format`; `progress.bytes` follows what has been read. */
export async function* readCsv<C extends string>(
  source: CsvInput,
  format: CsvFormat<C>,
  progress: CsvProgress = { bytes: 0 },
  limits: CsvLimits = {},
): AsyncGenerator<CsvRow<C>> {
  async function* counted() {
    for await (const chunk of source) {
      progress.bytes += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.byteLength;
      yield chunk;
    }
  }
  const parser = parse({ relax_column_count: true, skip_empty_lines: true, trim: true, info: true, max_record_size: MAX_RECORD_CHARS });
  // One decoded chunk read ahead at most: a refused file stops being read where it is refused.
  const input = Readable.from(decodeUtf8(counted()), { objectMode: true, highWaterMark: 1 });
  input.on("error", (err) => parser.destroy(err));
  input.pipe(parser);
  let header: Map<C, number> | null = null;
  let rows = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!header) {
        header = readHeader(record, format);
        continue;
      }
      if (limits.maxRows !== undefined && ++rows > limits.maxRows) throw tooManyRows(limits.maxRows);
      // info.lines is where the record ends; a quoted field with line breaks started it earlier.
      yield toRow(record, info.lines - record.reduce((n, cell) => n + countLines(cell), 0), header, format);
    }
  } catch (err) {
    if (err instanceof CsvError) throw malformed(describeCsvError(err));
    throw err;
  } finally {
    input.destroy();
  }
  if (!header) throw malformed(`the file is empty; it needs the header line and one line per ${format.rowKind}`);
}

function toRow<C extends string>(cells: string[], row: number, header: Map<C, number>, format: CsvFormat<C>): CsvRow<C> {
  const get = (c: C): string => {
    const i = header.get(c);
    return i === undefined ? "" : unguardCell(cells[i] ?? "");
  };
  const byColumn = Object.fromEntries(format.columns.map((c) => [c, get(c)])) as Record<C, string>;
  return { row, fieldCount: { got: cells.length, expected: header.size }, cells: byColumn, present: new Set(header.keys()) };
}

/** Streams device records out of CSV bytes (docs/onboarding.md). */
export async function* readDeviceCsv(source: CsvInput, progress: CsvProgress = { bytes: 0 }, limits: CsvLimits = {}): AsyncGenerator<DeviceRecord> {
  for await (const { row, fieldCount, cells } of readCsv(source, DEVICE_CSV, progress, limits)) {
    yield { row, fieldCount, mac: cells.mac, vendor: cells.vendor, model: cells.model, tenant: cells.tenant, lines: cells.lines, label: cells.label, keyLayout: cells.key_layout };
  }
}
