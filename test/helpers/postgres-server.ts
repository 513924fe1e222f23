import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/**
 * Fresh, empty PostgreSQL databases for a test file. With PHONEHOME_TEST_DATABASE_URL set (CI
 * starts one server for the run), each database is created on that server under a unique name and
 * dropped at close. Otherwise the file gets its own throw-away cluster: initdb into a temporary
 * directory, postgres on a free loopback port with its socket in that directory, stopped and removed
 * at close. As root the cluster runs as the `postgres` user, since initdb refuses to run as root.
 */
export interface TestPostgres {
  /** A new empty database on the server; its URL. Dropped at close(). */
  createDatabase(): Promise<string>;
  close(): Promise<void>;
}

const SERVER_URL_ENV = "PHONEHOME_TEST_DATABASE_URL";

function findBinDir(): string {
  const onPath = spawnSync("sh", ["-c", "command -v initdb"], { encoding: "utf8" }).stdout.trim();
  if (onPath) return join(onPath, "..");
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "initdb"))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) {
    throw new Error(
      "PostgreSQL tests need the PostgreSQL server binaries (initdb, postgres) and found none on PATH or in /usr/lib/postgresql/*/bin: " +
        `install the Debian package postgresql (apt-get install postgresql), or point ${SERVER_URL_ENV} at a server`,
    );
  }
  return join(root, newest, "bin");
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Runs a PostgreSQL binary as the postgres user when we are root (initdb and postgres refuse root). */
function asPostgres(bin: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];
}

async function waitUntilAccepting(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`postgres exited before accepting connections:\n${log()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 30 s (${(err as Error).message}):\n${log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The postmaster's pid from postmaster.pid (runuser's child), or undefined once it has gone. */
function postmasterPid(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, "postmaster.pid"), "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function signal(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

async function startCluster(): Promise<{ serverUrl: string; stop(): Promise<void> }> {
  const bin = findBinDir();
  const dir = mkdtempSync(join(tmpdir(), "phonehome-pg-"));
  const data = join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const ids = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
    const uid = Number(ids.stdout.trim());
    if (ids.status !== 0 || !Number.isInteger(uid)) throw new Error("PostgreSQL tests run as root need the postgres user (created by the Debian package postgresql)");
    chownSync(dir, uid, Number(spawnSync("id", ["-g", "postgres"], { encoding: "utf8" }).stdout.trim()));
  }
  const [initCmd, initArgs] = asPostgres(join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"]);
  const init = spawnSync(initCmd, initArgs, { encoding: "utf8" });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (exit ${init.status}):\n${init.stdout}${init.stderr}`);
  }
  const port = await freeLoopbackPort();
  const [cmd, args] = asPostgres(join(bin, "postgres"), ["-D", data, "-k", dir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]);
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  // If the test process ends without close() (a crash), the cluster goes with it: SIGQUIT is postgres's immediate shutdown.
  const onExit = () => signal(postmasterPid(data) ?? child.pid, "SIGQUIT");
  process.once("exit", onExit);
  const stop = async () => {
    process.removeListener("exit", onExit);
    // SIGINT: fast shutdown (sessions are ended, then the postmaster exits).
    signal(postmasterPid(data) ?? child.pid, "SIGINT");
    const timer = setTimeout(() => signal(postmasterPid(data) ?? child.pid, "SIGQUIT"), 10_000);
    await exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  };
  const serverUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  try {
    await waitUntilAccepting(serverUrl, child, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return { serverUrl, stop };
}

function withDatabase(serverUrl: string, name: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

async function onServer<T>(serverUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Starts (or reaches) a server and returns a way to make databases on it. */
export async function startTestPostgres(): Promise<TestPostgres> {
  const shared = process.env[SERVER_URL_ENV];
  const cluster = shared ? undefined : await startCluster();
  const serverUrl = shared ?? cluster!.serverUrl;
  const created: string[] = [];
  return {
    async createDatabase() {
      const name = `phonehome_test_${process.pid}_${randomBytes(4).toString("hex")}`;
      await onServer(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
      created.push(name);
      return withDatabase(serverUrl, name);
    },
    async close() {
      try {
        if (shared && created.length) {
          await onServer(serverUrl, async (c) => {
            for (const name of created) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          });
        }
      } finally {
        await cluster?.stop();
      }
    },
  };
}
