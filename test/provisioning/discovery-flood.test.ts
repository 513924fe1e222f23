import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listDiscovered } from "../../src/services/discovery.ts";
import { networkPrefix } from "../../src/provisioning/discovery-inbox.ts";
import { startTestServer, type TestServer } from "../helpers/test-server.ts";

/** Issue 11 item 5: a flood of invented MACs cannot keep real phones out of the discovery inbox, nor rewrite them. */


/** GET from a chosen loopback source address, as a phone (or a scanner) on that network would. */
function get(s: TestServer, path: string, from: string, userAgent: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: s.server.httpPort, path, localAddress: from, headers: { "user-agent": userAgent, connection: "close" } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode!));
    });
    req.on("error", reject);
    req.end();
  });
}

const mac = (net: number, n: number) => `805ec0${net.toString(16).padStart(2, "0")}${n.toString(16).padStart(4, "0")}`;
const yealink = (model: string, m: string) => `Yealink SIP-${model} 96.86.0.100 ${m}`;

async function flood(s: TestServer, net: number, count: number, first = 0): Promise<void> {
  for (let n = first; n < first + count; n++) await get(s, `/${mac(net, n)}.cfg`, `127.0.${net}.${1 + (n % 3)}`, yealink("T46U", mac(net, n)));
}

const inbox = (s: TestServer) => s.withRuntime((rt) => listDiscovered(rt));
/** Lets the fetch recorder write its batch. */
const flushed = async (server: TestServer = s) => server.server.runtime.recorder.flush();

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ discoveryMaxEntries: 40, discoveryMaxPerNetwork: 15, fetchLogFlushMs: 5, authBlockThreshold: 100_000, authFailThreshold: 100_000 });
});
afterAll(async () => s.close());

describe("discovery inbox under a flood", () => {
  const PHONE = "805ec0fe0001";

  it("keeps the first sighting's identity: a later requester naming the MAC only adds to the count", async () => {
    expect(await get(s, `/${PHONE}.cfg`, "127.0.254.1", yealink("T54W", PHONE))).toBe(401);
    await flushed();
    expect(await get(s, `/${PHONE}.cfg`, "127.0.253.7", "Yealink SIP-T31G 1.0.0.1 evil")).toBe(401);
    expect(await get(s, `/y000000000096.cfg`, "127.0.253.7", "Yealink SIP-T31G 1.0.0.1 evil")).not.toBe(500);
    await flushed();
    const entry = (await inbox(s)).find((d) => d.mac === PHONE);
    expect(entry).toMatchObject({ vendor: "yealink", model: "T54W", firmware: "96.86.0.100", userAgent: yealink("T54W", PHONE), sourceIp: "127.0.254.1", requestCount: 2 });
  });

  it("one network holds at most discoveryMaxPerNetwork open entries", async () => {
    await flood(s, 10, 30);
    await flushed();
    expect((await inbox(s)).filter((d) => d.sourceIp.startsWith("127.0.10.")).length).toBe(15);
  });

  it("at the cap the least recently seen entry makes room: a phone that keeps calling in lands and stays", async () => {
    for (const net of [11, 12, 13, 14]) await flood(s, net, 15);
    await flushed();
    expect(await inbox(s)).toHaveLength(40);
    const LATE = "805ec0fd0001";
    for (let round = 0; round < 3; round++) {
      // The real phones retry (as they do while unprovisioned); the flood goes on from more networks.
      expect(await get(s, `/${LATE}.cfg`, "127.0.252.1", yealink("T46U", LATE))).toBe(401);
      expect(await get(s, `/${PHONE}.cfg`, "127.0.254.1", yealink("T54W", PHONE))).toBe(401);
      await flushed();
      await flood(s, 20 + round, 15);
      await flushed();
      const macs = (await inbox(s)).map((d) => d.mac);
      expect(macs).toContain(LATE);
      expect(macs).toContain(PHONE);
      expect(macs.length).toBeLessThanOrEqual(40);
    }
    expect((await inbox(s)).find((d) => d.mac === PHONE)?.model).toBe("T54W");
  });

  it("dismissed entries do not count toward the caps", async () => {
    const dismissed = s.withRuntime((rt) => rt.db.$client.prepare("update discovered_devices set dismissed_at = ? where dismissed_at is null").run(Date.now()).changes);
    expect(dismissed).toBe(40);
    expect(await inbox(s)).toHaveLength(0);
    for (const net of [30, 31, 32]) await flood(s, net, 14);
    await flushed();
    // The open entries fill up to the cap again; the dismissed ones stay listed with includeDismissed.
    expect(await inbox(s)).toHaveLength(40);
    expect((await s.withRuntime((rt) => listDiscovered(rt, true))).length).toBeGreaterThanOrEqual(80);
  });
});

describe("discovery inbox retention", () => {
  it("entries not seen for discoveryRetentionDays are removed", async () => {
    const t = await startTestServer({ discoveryRetentionDays: 30, fetchLogFlushMs: 5 }, (rt) => {
      const old = Date.now() - 31 * 86_400_000;
      rt.db.$client
        .prepare("insert into discovered_devices (mac, last_file, source_ip, transport, first_seen_at, last_seen_at) values ('805ec0fc0001', 'x.cfg', '127.0.0.9', 'http', ?, ?)")
        .run(old, old);
    });
    try {
      expect((await inbox(t)).map((d) => d.mac)).toEqual(["805ec0fc0001"]);
      expect(await get(t, "/805ec0fc0002.cfg", "127.0.0.8", yealink("T54W", "805ec0fc0002"))).toBe(401);
      await flushed(t);
      expect((await inbox(t)).map((d) => d.mac)).toEqual(["805ec0fc0002"]);
    } finally {
      await t.close();
    }
  });

  it("networks are /24 for IPv4 and /64 for IPv6", () => {
    expect(networkPrefix("192.0.2.77")).toBe("192.0.2.");
    expect(networkPrefix("::ffff:192.0.2.77")).toBe("192.0.2.");
    expect(networkPrefix("2001:db8:1:2:a:b:c:d")).toBe("2001:db8:1:2:");
    expect(networkPrefix("2001:db8::1")).toBe("2001:db8::1");
  });
});
