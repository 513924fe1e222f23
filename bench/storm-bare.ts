/**
 * The baseline of `bench:storm`: a bare `node:http` server answering phonehome's own bytes from a
 * Map, with the same status line and headers, and nothing else. What phonehome costs beyond Node.
 *
 *   node --import tsx bench/storm-bare.ts FILES.json FILES.bin PORT
 *
 * FILES.json lists path, content type, ETag and where each body lies in FILES.bin.
 */
import { createServer } from "node:http";
import { loadBareFiles } from "./bare-files.ts";

const [index, blob, port] = process.argv.slice(2);
const files = loadBareFiles(index!, blob!);

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
// A normal exit on SIGTERM, so that `--cpu-prof` (BENCH_CPU_PROF) writes its profile.
process.on("SIGTERM", () => process.exit(0));
