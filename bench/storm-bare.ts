/**
 * The baseline of `bench:storm`: a bare `node:http` server answering phonehome's own bytes from a
 * Map, with the same status line and headers, and nothing else. What phonehome costs beyond Node.
 *
 *   node --import tsx bench/storm-bare.ts FILES.json PORT
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";

interface Entry {
  readonly path: string;
  readonly type: string;
  readonly etag: string;
  readonly body: string;
}

const [file, port] = process.argv.slice(2);
const entries = JSON.parse(readFileSync(file!, "utf8")) as Entry[];
const files = new Map(entries.map((e) => [e.path, { type: e.type, etag: e.etag, body: Buffer.from(e.body, "base64") }]));

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
