import { open, type FileHandle } from "node:fs/promises";

/** What a transfer reads its blocks from: a rendered body in memory or a firmware image on disk. */
export interface Source {
  readonly size: number;
  read(offset: number, length: number): Promise<Buffer>;
  close(): void;
}

export function bufferSource(body: Buffer): Source {
  return {
    size: body.length,
    read: (offset, length) => Promise.resolve(body.subarray(offset, offset + length)),
    close: () => {},
  };
}

/** Opens a file for positioned reads; the size is fixed at open time. */
export async function fileSource(path: string): Promise<Source> {
  const handle: FileHandle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    return {
      size,
      async read(offset, length) {
        const buf = Buffer.allocUnsafe(Math.max(0, Math.min(length, size - offset)));
        let done = 0;
        while (done < buf.length) {
          const { bytesRead } = await handle.read(buf, done, buf.length - done, offset + done);
          if (bytesRead === 0) throw new Error("file shrank during the transfer");
          done += bytesRead;
        }
        return buf;
      },
      close: () => void handle.close().catch(() => {}),
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}
