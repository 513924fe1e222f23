import { closeSync, readSync } from "node:fs";

/**
 * What a transfer reads its blocks from: a rendered body or a firmware image in memory
 * (image-cache.ts), or an image on disk when the memory for images is taken. Reads are synchronous
 * and land in the caller's buffer: from disk, a block is at most 65,464 bytes from a file the page
 * cache holds after the first transfer, so a positioned `readSync` costs a few microseconds, less
 * than the promise and buffer an asynchronous read would allocate per block.
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

/** Positioned reads from an open file of `size` bytes; `close()` closes the descriptor. */
export function fdSource(fd: number, size: number): Source {
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
}

/** The whole of a source, for conversions that need it at once (netascii). */
export function readAll(source: Source): Buffer {
  const out = Buffer.allocUnsafe(source.size);
  source.readInto(out, 0, 0, source.size);
  return out;
}
