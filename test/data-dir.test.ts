import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer } from "./helpers/test-server.ts";

const BIN = fileURLToPath(new URL("../bin/phonehome.mjs", import.meta.url));
const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, PHONEHOME_DATA_DIR: "" } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const dirs: string[] = [];
function tempRoot(): string {
  const d = mkdtempSync(join(tmpdir(), "phonehome-perm-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("data directory permissions", () => {
  it("the CLI creates the data directory 0700 and the database 0600 whatever the umask", async () => {
    const dataDir = join(tempRoot(), "data");
    const r = await run(["token", "create", "--name", "ops", "--role", "admin", "--data-dir", dataDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(mode(dataDir)).toBe("700");
    expect(mode(join(dataDir, "phonehome.db"))).toBe("600");
  });

  it("tightens an existing world-readable directory and database at the next start", async () => {
    const dataDir = join(tempRoot(), "data");
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    expect((await run(["token", "create", "--name", "ops", "--role", "admin", "--data-dir", dataDir])).code).toBe(0);
    chmodSync(dataDir, 0o755);
    chmodSync(join(dataDir, "phonehome.db"), 0o644);
    writeFileSync(join(dataDir, "phonehome.db-journal"), "");
    chmodSync(join(dataDir, "phonehome.db-journal"), 0o644);
    const r = await run(["token", "list", "--data-dir", dataDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("ops");
    expect(mode(dataDir)).toBe("700");
    expect(mode(join(dataDir, "phonehome.db"))).toBe("600");
  });

  it("the running server's database, WAL and SHM files are 0600", async () => {
    const s = await startTestServer();
    try {
      const db = join(s.config.dataDir, "phonehome.db");
      expect(mode(s.config.dataDir)).toBe("700");
      for (const f of [db, `${db}-wal`, `${db}-shm`]) {
        expect(existsSync(f), f).toBe(true);
        expect(mode(f), f).toBe("600");
      }
    } finally {
      await s.close();
    }
  });
});
