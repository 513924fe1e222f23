import { createSocket, type Socket } from "node:dgram";

/** Deterministic PRNG (mulberry32), so a lossy run drops the same packets every time. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const bind = (s: Socket) => new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));

/**
 * A UDP relay on loopback standing between a TFTP client and the server, dropping a share of the
 * datagrams in both directions. The client talks to `port`; for each client the relay keeps one
 * socket towards the server, and answers the client from one socket per server TID, so the
 * client sees consistent transfer IDs.
 */
export async function startLossyRelay(serverPort: number, dropRate: number, seed = 1) {
  const random = prng(seed);
  const stats = { forwarded: 0, dropped: 0, toServer: 0, toClient: 0 };
  const front = createSocket("udp4");
  await bind(front);
  const sessions = new Map<number, { upstream: Socket; faces: Map<number, Socket> }>();
  const lose = () => {
    if (random() < dropRate) {
      stats.dropped++;
      return true;
    }
    stats.forwarded++;
    return false;
  };

  async function session(clientPort: number) {
    let s = sessions.get(clientPort);
    if (s) return s;
    const upstream = createSocket("udp4");
    await bind(upstream);
    s = { upstream, faces: new Map() };
    sessions.set(clientPort, s);
    const current = s;
    upstream.on("message", async (msg, rinfo) => {
      let face = current.faces.get(rinfo.port);
      if (!face) {
        face = createSocket("udp4");
        await bind(face);
        current.faces.set(rinfo.port, face);
        const serverTid = rinfo.port;
        face.on("message", (m) => {
          if (!lose()) {
            stats.toServer++;
            upstream.send(m, serverTid, "127.0.0.1");
          }
        });
      }
      if (!lose()) {
        stats.toClient++;
        face.send(msg, clientPort, "127.0.0.1");
      }
    });
    return s;
  }

  front.on("message", async (msg, rinfo) => {
    const s = await session(rinfo.port);
    if (!lose()) {
      stats.toServer++;
      s.upstream.send(msg, serverPort, "127.0.0.1");
    }
  });

  return {
    port: front.address().port,
    stats,
    close() {
      front.close();
      for (const s of sessions.values()) {
        s.upstream.close();
        for (const f of s.faces.values()) f.close();
      }
    },
  };
}
