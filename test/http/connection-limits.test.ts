import { connect, type Socket } from "node:net";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/test-server.ts";

let s: TestServer;
const CAP = 20;

beforeAll(async () => {
  s = await startTestServer({ httpMaxConnectionsPerSource: CAP, httpHeadersTimeoutMs: 500, httpRequestTimeoutMs: 5_000 });
});
afterAll(async () => s.close());

/** An idle TCP connection from `localAddress` to the phone port; resolves once connected. */
function open(localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port: s.server.httpPort, localAddress }, () => resolve(socket));
    socket.on("error", () => {}); // a refused socket is reset; its close is what the test watches
    socket.once("error", reject);
  });
}

const closed = (socket: Socket, withinMs: number) =>
  new Promise<boolean>((resolve) => {
    if (socket.destroyed) return resolve(true);
    const t = setTimeout(() => resolve(false), withinMs);
    socket.once("close", () => {
      clearTimeout(t);
      resolve(true);
    });
  });

function fetchCommon(localAddress: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: s.server.httpPort, path: "/y000000000096.cfg", localAddress, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode!));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("phone-facing connection limits", () => {
  it("closes connections past the per-source cap while another source is still served", async () => {
    const flood: Socket[] = [];
    try {
      for (let i = 0; i < CAP * 3; i++) flood.push(await open("127.0.0.2").catch(() => null as unknown as Socket));
      const live = flood.filter(Boolean);
      // Past the cap the server closes each new connection at once; the first CAP stay open (for now).
      const states = await Promise.all(live.map((sock) => closed(sock, 300)));
      expect(states.filter((c) => !c).length).toBeLessThanOrEqual(CAP);
      expect(states.filter((c) => c).length).toBeGreaterThanOrEqual(CAP * 2 - 1);
      // Another source gets its file while the flood holds its connections.
      expect(await fetchCommon("127.0.0.3")).toBe(200);
    } finally {
      for (const sock of flood) sock?.destroy();
    }
  });

  it("closes a connection that sends no request headers within httpHeadersTimeoutMs, not 30 s later", async () => {
    const idle = await open("127.0.0.4");
    const slow = await open("127.0.0.4");
    slow.write("GET /y000000000096.cfg HTTP/1.1\r\nHost: x\r\n"); // headers never finished
    // Node checked header timeouts every 30 s by default; 5 s is far past the 500 ms configured.
    expect(await closed(idle, 5_000)).toBe(true);
    expect(await closed(slow, 5_000)).toBe(true);
    // The source's count drops with them, so it can connect again.
    expect(await fetchCommon("127.0.0.4")).toBe(200);
  });
});
