import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { curl } from "../helpers/curl.ts";
import { startDemoServer, type DemoServer } from "../helpers/demo-server.ts";
import { holdWriteLock } from "../helpers/write-lock.ts";

// The server writes its fetch log (rows, last-seen, served copies) on a connection of its own, in a
// worker thread: neither the inserts nor a wait for another process's write lock run on the event
// loop that answers phones.

let s: DemoServer;
let probe: Database.Database;
beforeAll(async () => {
  s = await startDemoServer({ fetchLogFlushMs: 20 });
  probe = new Database(join(s.config.dataDir, "phonehome.db"), { timeout: 0 });
});
afterAll(async () => {
  probe.close();
  await s.close();
});

const served = (mac: string) => probe.prepare("select count(*) from fetch_log where mac = ? and outcome = 'served'").pluck().get(mac) as number;
/** Rows changed through the server's own connection since it opened (SQLite total_changes()). */
const serverChanges = () => s.server.runtime.db.$client.prepare("select total_changes()").pluck().get() as number;

async function fetchAs(d: DemoServer["demo"][number]): Promise<number> {
  const file = d.files.find((f) => f.includes(d.mac))!;
  return (await curl(["--digest", "-u", `${d.username}:${d.password}`, `${s.phoneUrl}/${file}`])).status;
}

describe("the fetch log's own thread", () => {
  it("writes each fetch and the served copy, none of it through the server's connection", async () => {
    await vi.waitFor(() => expect(s.server.runtime.recorder.inThread()).toBe(true), { timeout: 30_000 });
    const d = s.demo[0]!;
    const changes = serverChanges();
    const before = served(d.mac);
    for (let i = 0; i < 3; i++) expect(await fetchAs(d)).toBe(200);
    s.server.runtime.recorder.flush();
    expect(served(d.mac)).toBe(before + 3);
    expect(probe.prepare("select count(*) from served_files where device_id = (select id from devices where mac = ?)").pluck().get(d.mac)).toBeGreaterThan(0);
    expect(probe.prepare("select last_seen_at from devices where mac = ?").pluck().get(d.mac)).not.toBeNull();
    expect(serverChanges()).toBe(changes);
  });

  it("while another process holds the write lock, phones are served, flush() returns, and the rows follow the lock's release", async () => {
    const d = s.demo[1]!;
    const before = served(d.mac);
    const lock = await holdWriteLock(join(s.config.dataDir, "phonehome.db"));
    try {
      expect(await fetchAs(d)).toBe(200);
      s.server.runtime.recorder.flush();
      // The thread met the lock: it keeps the row for its next try, nothing is lost or half-written.
      expect(served(d.mac)).toBe(before);
    } finally {
      await lock.release();
    }
    await vi.waitFor(() => expect(served(d.mac)).toBe(before + 1), { timeout: 10_000, interval: 20 });
  });

  it("sends a served body once per content: later fetches move served_at only, and a copy lost behind its back comes again", async () => {
    const d = s.demo[2]!;
    const copy = () => probe.prepare("select content_hash as hash, body_enc as body, served_at as at from served_files where device_id = (select id from devices where mac = ?)").get(d.mac) as { hash: string; body: string; at: number } | undefined;
    expect(await fetchAs(d)).toBe(200);
    s.server.runtime.recorder.flush();
    const first = copy()!;
    expect(first.body.length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 5));
    expect(await fetchAs(d)).toBe(200);
    s.server.runtime.recorder.flush();
    const second = copy()!;
    // The same content: the sealed copy is the one written first, only the time moved.
    expect(second.body).toBe(first.body);
    expect(second.hash).toBe(first.hash);
    expect(second.at).toBeGreaterThan(first.at);
    // Lost (say, a batch that died with its process): the next touch finds no copy and asks for the body.
    probe.prepare("delete from served_files where device_id = (select id from devices where mac = ?)").run(d.mac);
    expect(await fetchAs(d)).toBe(200);
    s.server.runtime.recorder.flush();
    expect(copy()).toBeUndefined();
    await vi.waitFor(async () => {
      expect(await fetchAs(d)).toBe(200);
      s.server.runtime.recorder.flush();
      expect(copy()?.hash).toBe(first.hash);
    }, { timeout: 10_000, interval: 50 });
  });
});
