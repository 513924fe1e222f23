/**
 * The baseline of `bench:boot`: a bare `node:http` server doing a phone's Digest exchange and
 * nothing else. A request without credentials gets phonehome's 401 (a fresh nonce, the same
 * headers); one with credentials is checked (MD5 Digest, qop=auth, against the phone's HA1) and
 * gets the phone's own file, the bytes phonehome served in the same run. What Node, the client and
 * the kernel cost per fetch, so phonehome's figure can be read as a ratio.
 *
 *   node --import tsx bench/boot-bare.ts PHONES.json BODIES.bin PORT
 *
 * PHONES.json lists path, user, HA1, content type, ETag and where each body lies in BODIES.bin.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { loadBareFiles, type BareEntry } from "./bare-files.ts";

interface Phone extends BareEntry {
  readonly user: string;
  readonly ha1: string;
}

const [index, blob, port] = process.argv.slice(2);
const phones = loadBareFiles<Phone>(index!, blob!);
const md5 = (s: string) => createHash("md5").update(s).digest("hex");
const field = (header: string, name: string) => new RegExp(`${name}="?([^",]+)"?`).exec(header)?.[1];

const server = createServer((req, res) => {
  const phone = phones.get(req.url ?? "");
  const auth = req.headers.authorization;
  if (phone && auth) {
    const expected = md5(`${phone.ha1}:${field(auth, "nonce")}:${field(auth, "nc")}:${field(auth, "cnonce")}:auth:${md5(`GET:${phone.path}`)}`);
    if (field(auth, "username") === phone.user && field(auth, "response") === expected) {
      res.writeHead(200, { ETag: phone.etag, "Cache-Control": "no-store", "Content-Type": phone.type, "Content-Length": phone.body.length });
      res.end(phone.body);
      return;
    }
  }
  res.writeHead(401, {
    "WWW-Authenticate": `Digest realm="phonehome", qop="auth", algorithm=MD5, nonce="${randomBytes(24).toString("base64url")}"`,
    "Cache-Control": "no-store",
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": 12,
  });
  res.end("Unauthorized");
});
server.keepAliveTimeout = 5_000;
server.listen(Number(port), "127.0.0.1", () => process.stdout.write("ready\n"));
