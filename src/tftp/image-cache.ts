import { closeSync, fstatSync, openSync, read, type Stats } from "node:fs";
import { promisify } from "node:util";
import { fdSource, type Source } from "./source.ts";

const readAsync = promisify(read);

/** Images held in memory at once, all together; a transfer that would pass it reads from disk. */
const DEFAULT_IMAGE_MEMORY_BYTES = 256 * 1024 * 1024;

// Loaded in steps of this size, so a large image never holds the event loop for one long read.
const LOAD_CHUNK = 1024 * 1024;

interface Entry {
  readonly size: number;
  readonly body: Promise<Buffer>;
  users: number;
}

/**
 * Firmware images in memory while transfers read them. A block read from disk was a positioned
 * `readSync` per block: one system call and the argument checks of `fs.readSync` for every 512 or
 * 1468 bytes, 12-24% of the server's CPU time per 512-byte block (docs/benchmarks.md, bench:tftp).
 * Here a transfer copies its blocks out of one buffer that every transfer of the same image shares.
 *
 * - An image is loaded once (asynchronously, in 1 MB reads) by the first transfer that needs it,
 *   and dropped when the last transfer reading it ends: nothing is kept for a client that may never
 *   come, and memory is bounded by the images being sent at that moment.
 * - The identity of an image is that of the file opened for the transfer (device, inode, size,
 *   modification time): an image replaced on disk (the catalogue writes a new file and renames it)
 *   is a new entry for new transfers, while transfers already running finish with the bytes they
 *   started with.
 * - Beyond `maxBytes` in memory, a transfer reads its blocks from disk as before.
 */
export class ImageCache {
  private readonly entries = new Map<string, Entry>();
  private held = 0;

  constructor(private readonly maxBytes = DEFAULT_IMAGE_MEMORY_BYTES) {}

  /** Bytes of images in memory (loaded or loading). */
  get heldBytes(): number {
    return this.held;
  }

  get heldImages(): number {
    return this.entries.size;
  }

  /** A source over the image at `path`; throws (rejects) when it cannot be opened or read. */
  async open(path: string): Promise<Source> {
    const fd = openSync(path, "r");
    let st: Stats;
    try {
      st = fstatSync(fd);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
    let entry = this.entries.get(key);
    if (entry) {
      closeSync(fd);
    } else if (this.held + st.size > this.maxBytes) {
      return fdSource(fd, st.size);
    } else {
      entry = { size: st.size, body: loadWhole(fd, st.size), users: 0 };
      this.entries.set(key, entry);
      this.held += st.size;
    }
    entry.users++;
    let body: Buffer;
    try {
      body = await entry.body;
    } catch (err) {
      // Not loadable: forgotten at once, so the next request opens the file afresh.
      this.forget(key, entry);
      throw err;
    }
    let open = true;
    return {
      size: body.length,
      readInto: (target, targetOffset, position, length) => body.copy(target, targetOffset, position, Math.min(body.length, position + length)),
      close: () => {
        if (!open) return;
        open = false;
        this.release(key, entry);
      },
    };
  }

  private release(key: string, entry: Entry): void {
    if (--entry.users === 0) this.forget(key, entry);
  }

  private forget(key: string, entry: Entry): void {
    if (this.entries.get(key) !== entry) return;
    this.entries.delete(key);
    this.held -= entry.size;
  }
}

/** Reads `size` bytes of `fd` and closes it; rejects when the file turns out shorter. */
async function loadWhole(fd: number, size: number): Promise<Buffer> {
  try {
    const body = Buffer.allocUnsafe(size);
    let done = 0;
    while (done < size) {
      const { bytesRead } = await readAsync(fd, body, done, Math.min(LOAD_CHUNK, size - done), done);
      if (bytesRead === 0) throw new Error("file shrank while it was loaded");
      done += bytesRead;
    }
    return body;
  } finally {
    closeSync(fd);
  }
}
