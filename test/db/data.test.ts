import Database from "better-sqlite3";
import { eq, sql } from "drizzle-orm";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { DB_FILE } from "../../src/data-dir.ts";
import { DatabaseBusyError } from "../../src/db/busy.ts";
import { dialectSql, first, type Data, type Query } from "../../src/db/data.ts";
import { openSqliteData } from "../../src/db/data-sqlite.ts";
import { migratePostgres } from "../../src/db/migrations.ts";
import { openData } from "../../src/db/open-data.ts";
import { dataDialects, TEST_CONFIG } from "../helpers/data-dialects.ts";
import { usePostgres } from "../helpers/postgres.ts";
import { holdWriteLock } from "../helpers/write-lock.ts";

/**
 * The async data handle (src/db/data.ts, docs/scale-out.md#data-access-on-two-databases): the same
 * test body on SQLite (file and in-memory) and PostgreSQL.
 */
const postgres = usePostgres();

const NOW = 1_764_633_600_123; // epoch ms, past 2^31 as every timestamp column holds

function tenantValues(name: string) {
  return {
    name,
    sipDomain: `${name}.example`,
    sipServerHost: "pbx.example",
    ntpServers: ["ntp1.example", "ntp2.example"],
    allowedNetworks: [],
    configEncryption: true,
    zeroTouch: false,
    zeroTouchWindowSeconds: 900,
    createdAt: NOW,
    updatedAt: NOW + 1,
  };
}

const tenantNamed = async (q: Query, name: string) => first(await q.db.select().from(q.t.tenants).where(eq(q.t.tenants.name, name)).limit(1));

describe.each(dataDialects(postgres))("data handle on $name", (dialect) => {
  let data: Data;
  let cleanup: () => Promise<void> = async () => undefined;

  const open = async () => {
    ({ data, cleanup } = await dialect.open());
  };

  afterEach(async () => {
    await cleanup();
  });

  it("round-trips JSON, boolean, timestamp and integer columns to the same JavaScript values", async () => {
    await open();
    const inserted = await data.write(async (q) => (await q.db.insert(q.t.tenants).values(tenantValues("roundtrip")).returning())[0]!);
    await data.write(async (q) => {
      await q.db.insert(q.t.auditLog).values({ at: NOW, actor: "cli", action: "test.json", target: "t", after: { nested: { list: [1, "two", null, true] }, n: 2.5 } });
    });
    const read = await data.read((q) => tenantNamed(q, "roundtrip"));
    const audit = await data.read(async (q) => first(await q.db.select().from(q.t.auditLog).limit(1)));
    for (const row of [inserted, read]) {
      expect(row).toMatchObject(tenantValues("roundtrip"));
      // Column defaults come back as the same values too.
      expect(row).toMatchObject({ sipServerPort: 5060, sipTransport: "udp", timeZone: "UTC", registerExpires: 3600 });
      expect(typeof row!.id).toBe("number");
      expect(typeof row!.createdAt).toBe("number");
      expect(row!.configEncryption).toBe(true);
      expect(row!.zeroTouch).toBe(false);
    }
    expect(audit!.after).toEqual({ nested: { list: [1, "two", null, true] }, n: 2.5 });
    expect(audit!.before).toBeNull();
    // A boolean and a JSON column compared in a where clause.
    const byFlag = await data.read(async (q) => q.db.select({ name: q.t.tenants.name }).from(q.t.tenants).where(eq(q.t.tenants.configEncryption, true)));
    expect(byFlag).toEqual([{ name: "roundtrip" }]);
  });

  it("leaves nothing behind when the callback throws midway, and passes the error on", async () => {
    await open();
    const failure = new Error("midway");
    await expect(
      data.write(async (q) => {
        await q.db.insert(q.t.tenants).values(tenantValues("half"));
        await q.db.update(q.t.tenants).set({ zeroTouchWindowSeconds: 1 }).where(eq(q.t.tenants.name, "half"));
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await data.read((q) => q.db.select().from(q.t.tenants))).toEqual([]);
    // The handle is usable afterwards: the failed transaction is closed, not left open.
    await data.write(async (q) => {
      await q.db.insert(q.t.tenants).values(tenantValues("after"));
    });
    expect((await data.read((q) => q.db.select({ name: q.t.tenants.name }).from(q.t.tenants))).map((r) => r.name)).toEqual(["after"]);
  });

  it("rolls back a statement that the database refuses (a unique name), with the rows before it", async () => {
    await open();
    await data.write(async (q) => {
      await q.db.insert(q.t.tenants).values(tenantValues("taken"));
    });
    await expect(
      data.write(async (q) => {
        await q.db.insert(q.t.tenants).values(tenantValues("new-one"));
        await q.db.insert(q.t.tenants).values(tenantValues("taken"));
      }),
    ).rejects.toThrow();
    expect((await data.read((q) => q.db.select({ name: q.t.tenants.name }).from(q.t.tenants))).map((r) => r.name)).toEqual(["taken"]);
  });

  it("loses no update when two transactions read-modify-write one counter at once", async () => {
    await open();
    await data.write(async (q) => {
      await q.db.insert(q.t.tenants).values({ ...tenantValues("counter"), zeroTouchWindowSeconds: 0 });
    });
    let runs = 0;
    let arrived = 0;
    const increment = () =>
      data.write(async (q) => {
        runs++;
        const row = (await tenantNamed(q, "counter"))!;
        // Both read before either writes where the database lets two transactions be open at once
        // (PostgreSQL); on SQLite the second waits for the lock, so the first stops waiting after 200 ms.
        arrived++;
        for (let waited = 0; arrived < 2 && waited < 200; waited += 5) await sleep(5);
        await q.db.update(q.t.tenants).set({ zeroTouchWindowSeconds: row.zeroTouchWindowSeconds + 1 }).where(eq(q.t.tenants.id, row.id));
      });
    await Promise.all([increment(), increment()]);
    const row = await data.read((q) => tenantNamed(q, "counter"));
    expect(row!.zeroTouchWindowSeconds).toBe(2);
    // One serializable writer at a time on both (SQLite's lock; PostgreSQL's writer lock): the second ran after the first.
    expect(runs).toBe(2);
  });

  it("runs a serializable write again when a read-committed write changed what it read (PostgreSQL), or makes that write wait (SQLite)", async () => {
    await open();
    await data.write(async (q) => {
      await q.db.insert(q.t.tenants).values({ ...tenantValues("counter"), zeroTouchWindowSeconds: 0 });
    });
    let runs = 0;
    let read!: () => void;
    const hasRead = new Promise<void>((r) => (read = r));
    let other = false;
    const serializable = data.write(async (q) => {
      runs++;
      const row = (await tenantNamed(q, "counter"))!;
      read();
      for (let waited = 0; !other && waited < 200; waited += 5) await sleep(5);
      await q.db.update(q.t.tenants).set({ zeroTouchWindowSeconds: row.zeroTouchWindowSeconds + 1 }).where(eq(q.t.tenants.id, row.id));
    });
    await hasRead;
    await data.write(
      async (q) => {
        await q.db.update(q.t.tenants).set({ zeroTouchWindowSeconds: sql`${q.t.tenants.zeroTouchWindowSeconds} + 10` }).where(eq(q.t.tenants.name, "counter"));
      },
      { isolation: "read committed" },
    );
    other = true;
    await serializable;
    expect((await data.read((q) => tenantNamed(q, "counter")))!.zeroTouchWindowSeconds).toBe(11);
    // PostgreSQL: the second writer takes no writer lock, commits first, and the first fails (40001) and runs again.
    expect(runs).toBe(data.dialect === "postgres" ? 2 : 1);
  });

  it("never shows a read outside a transaction the rows of a transaction still open", async () => {
    await open();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const insertedOnce = new Promise<void>((r) => (inserted = r));
    const writing = data.write(async (q) => {
      await q.db.insert(q.t.tenants).values(tenantValues("open-tx"));
      inserted();
      await held;
    });
    await insertedOnce;
    const reading = data.read((q) => tenantNamed(q, "open-tx"));
    const early = await Promise.race([reading.then((row) => ({ row })), sleep(200).then(() => "still waiting" as const)]);
    // Either the read answered from the last commit (no row), or it waits for the commit (an in-memory database).
    if (early === "still waiting") expect(data.dialect).toBe("sqlite");
    else expect(early.row).toBeUndefined();
    release();
    await writing;
    await reading;
    expect((await data.read((q) => tenantNamed(q, "open-tx")))?.name).toBe("open-tx");
  });

  it("runs a raw fragment written once where both agree, and in each database's form where they differ", async () => {
    await open();
    await data.write(async (q) => {
      await q.db.insert(q.t.tenants).values([tenantValues("Mixed-Case"), tenantValues("other")]);
    });
    const rows = await data.read(async (q) => {
      // count(*) is bigint on PostgreSQL, which node-postgres returns as text: mapped to a number.
      const total = sql<number>`count(*)`.mapWith(Number);
      const caseBlind = dialectSql(q, { sqlite: sql`${q.t.tenants.name} like ${"mixed-%"}`, postgres: sql`${q.t.tenants.name} ilike ${"mixed-%"}` });
      return q.db.select({ n: total }).from(q.t.tenants).where(caseBlind);
    });
    expect(rows).toEqual([{ n: 1 }]);
  });

  it("refuses a read or a write nested in another instead of waiting for itself", async () => {
    await open();
    await expect(data.write(async () => data.read(async () => 1))).rejects.toThrow(/nested call: data.read\(\) was called inside data.write\(\)/);
    await expect(data.write(async () => data.write(async () => 1))).rejects.toThrow(/nested call: data.write\(\) was called inside data.write\(\)/);
    await expect(data.read(async () => data.read(async () => 1))).rejects.toThrow(/nested call: data.read\(\) was called inside data.read\(\)/);
    await expect(data.read(async () => data.write(async () => 1))).rejects.toThrow(/nested call/);
    // Once the transaction has ended, the same task may read and write again.
    expect(await data.write(async () => 2)).toBe(2);
    expect(await data.read(async () => 3)).toBe(3);
  });
});

describe("data handle on a SQLite file shared with another process", () => {
  it("waits for another process's write lock without blocking the event loop, then gives up with nothing written", async () => {
    const dir = mkdtempSync(join(tmpdir(), "phonehome-data-"));
    const file = join(dir, "phonehome.db");
    const data = openSqliteData(file, { lockTimeoutMs: TEST_CONFIG.dbLockTimeoutMs });
    onTestFinished(async () => {
      await data.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const holder = await holdWriteLock(file);
    try {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 10);
      const started = Date.now();
      const err = await data
        .write(async (q) => {
          await q.db.insert(q.t.tenants).values(tenantValues("locked-out"));
        })
        .catch((e: unknown) => e);
      clearInterval(timer);
      expect(err).toBeInstanceOf(DatabaseBusyError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(TEST_CONFIG.dbLockTimeoutMs);
      // The 10 ms timer kept firing while the write waited: the wait is timers, not a blocked thread.
      expect(ticks).toBeGreaterThan(5);
    } finally {
      await holder.release();
    }
    const probe = new Database(file, { readonly: true });
    expect(probe.prepare("select count(*) as n from tenants").get()).toEqual({ n: 0 });
    probe.close();
  });
});

describe("openData", () => {
  it("opens PostgreSQL when databaseUrl is set, and the data directory's SQLite file otherwise", async () => {
    const dir = mkdtempSync(join(tmpdir(), "phonehome-data-"));
    const url = await postgres.createDatabase();
    await migratePostgres(url, TEST_CONFIG);
    const onSqlite = await openData(loadConfig({ dataDir: dir }, {}));
    const onPg = await openData(loadConfig({ dataDir: dir, databaseUrl: url }, {}));
    try {
      expect([onSqlite.dialect, onPg.dialect]).toEqual(["sqlite", "postgres"]);
      for (const data of [onSqlite, onPg]) {
        await data.write(async (q) => {
          await q.db.insert(q.t.tenants).values(tenantValues(`on-${data.dialect}`));
        });
      }
      // Each wrote where it was pointed: the SQLite file in the data directory, the PostgreSQL database.
      const file = new Database(join(dir, DB_FILE), { readonly: true });
      expect(file.prepare("select name from tenants").all()).toEqual([{ name: "on-sqlite" }]);
      file.close();
      expect((await onPg.read((q) => q.db.select({ name: q.t.tenants.name }).from(q.t.tenants))).map((r) => r.name)).toEqual(["on-postgres"]);
    } finally {
      await onSqlite.close();
      await onPg.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says where it could not connect and what to check", async () => {
    const config = loadConfig({ databaseUrl: "postgres://phonehome:secret@127.0.0.1:1/phonehome", databaseConnectTimeoutMs: 1000 }, {});
    const err = (await openData(config).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/^cannot connect to PostgreSQL at postgres:\/\/phonehome:\*\*\*@127\.0\.0\.1:1\/phonehome/);
    expect(err.message).toContain("check the URL");
    expect(err.message).not.toContain("secret");
  });
});
