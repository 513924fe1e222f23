import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/**
 * What a transfer reads its blocks from: a rendered body in memory or a firmware image on disk.
 * Reads are synchronous and land in the caller's buffer: a block is at most 65,464 bytes from a
 * file the page cache holds after the first transfer, so a positioned `readSync` costs a few
 * microseconds, less than the promise and buffer an asynchronous read would allocate per block.
 */
export interface Source {
  readonly size: number;
  /** Copies up to `length` bytes at `position` into `target` at `targetOffset`; returns how many. */
  readInto(target: Buffer, targetOffset: number, position: number, length: number): number;
  close(): void;
}

export function bufferSource(body: Buffer): Source {
  return {
    size: body.length,
    readInto: (target, targetOffset, position, length) => body.copy(target, targetOffset, position, Math.min(body.length, position + length)),
    close: () => {},
  };
}

/** Opens a file for positioned reads; the size is fixed at open time. */
export function fileSource(path: string): Source {
  const fd = openSync(path, "r");
  try {
    const { size } = fstatSync(fd);
    return {
      size,
      readInto(target, targetOffset, position, length) {
        const want = Math.max(0, Math.min(length, size - position));
        let done = 0;
        while (done < want) {
          const n = readSync(fd, target, targetOffset + done, want - done, position + done);
          if (n === 0) throw new Error("file shrank during the transfer");
          done += n;
        }
        return done;
      },
      close: () => closeSync(fd),
    };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** The whole of a source, for conversions that need it at once (netascii). */
export function readAll(source: Source): Buffer {
  const out = Buffer.allocUnsafe(source.size);
  source.readInto(out, 0, 0, source.size);
  return out;
}
