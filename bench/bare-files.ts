import { readFileSync } from "node:fs";

/** A file the benchmarks' bare servers answer with: phonehome's bytes, with its content type and ETag. */
export interface BareEntry {
  readonly path: string;
  readonly type: string;
  readonly etag: string;
  readonly offset: number;
  readonly length: number;
}

/**
 * The files a bare server answers, by path: INDEX.json lists the entries (with whatever else the
 * server needs), BODIES.bin holds the bytes. Each body is its own copy, as phonehome holds them.
 */
export function loadBareFiles<E extends BareEntry>(index: string, blob: string): Map<string, E & { readonly body: Buffer }> {
  const entries = JSON.parse(readFileSync(index, "utf8")) as E[];
  const bodies = readFileSync(blob);
  return new Map(entries.map((e) => [e.path, { ...e, body: Buffer.from(bodies.subarray(e.offset, e.offset + e.length)) }]));
}
