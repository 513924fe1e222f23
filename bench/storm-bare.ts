/**
 * The baseline of `bench:storm`: a bare `node:http` server answering phonehome's own bytes from a
 * Map, with the same status line and headers, and nothing else. What phonehome costs beyond Node.
 *
 *   node --import tsx bench/storm-bare.ts FILES.json FILES.bin PORT
 *
 * FILES.json lists path, content type, ETag and where each body lies in FILES.bin.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";

interface Entry {
  readonly path: string;
  readonly type: string;
  readonly etag: string;
  readonly offset: number;
  readonly length: number;
}

const [index, blob, port] = process.argv.slice(2);
const entries = JSON.parse(readFileSync(index!, "utf8")) as Entry[];
const bodies = readFileSync(blob!);
// Each body its own copy, as phonehome holds them.
const files = new Map(entries.map((e) => [e.path, { type: e.type, etag: e.etag, body: Buffer.from(bodies.subarray(e.offset, e.offset + e.length)) }]));

const server = createServer((req, res) => {
  const hit = files.get(req.url ?? "");
  if (!hit) {
    res.writeHead(404).end("Not Found");
    return;
  }
  res.writeHead(200, { "Content-Type": hit.type, "Content-Length": hit.body.length, ETag: hit.etag, "Cache-Control": "no-store" });
  res.end(hit.body);
});
server.keepAliveTimeout = 5_000;
server.listen(Number(port), "127.0.0.1", () => process.stdout.write("ready\n"));
