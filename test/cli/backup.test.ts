import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { curl } from "../helpers/curl.ts";
import { startDemoServer, type DemoServer } from "../helpers/demo-server.ts";
import { BIN } from "../helpers/serve-process.ts";
import { startTestServer } from "../helpers/test-server.ts";

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PHONEHOME_")));
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

let s: DemoServer;
let work: string;
beforeAll(async () => {
  s = await startDemoServer({ fetchLogFlushMs: 5 });
  work = mkdtempSync(join(tmpdir(), "phonehome-backup-"));
});
afterAll(async () => {
  await s.close();
  rmSync(work, { recursive: true, force: true });
});

const fetchFile = (base: string, d: DemoServer["demo"][number], file: string) => curl(["--digest", "-u", `${d.username}:${d.password}`, `${base}/${file}`]);

describe("backup and restore", { timeout: 120_000 }, () => {
  it("backs up while serving, restores into a fresh data dir, and that server serves the same file to the same credentials", async () => {
    const d = s.demo.find((x) => x.vendor === "yealink")!;
    const file = `${d.mac}.cfg`;
    const before = await fetchFile(s.phoneUrl, d, file);
    expect(before.status).toBe(200);
    const backupFile = join(work, "phonehome-backup.db");
    // Phones keep fetching (and the fetch log keeps being written) during the backup.
    let fetching = true;
    const load = (async () => {
      while (fetching) await fetchFile(s.phoneUrl, d, file);
    })();
    const b = await run(["backup", backupFile, "--with-key", "--data-dir", s.config.dataDir]);
    fetching = false;
    await load;
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toContain(`secret key written to ${backupFile}.key`);
    expect(statSync(`${backupFile}.key`).mode & 0o777).toBe(0o600);
    expect(statSync(backupFile).mode & 0o777).toBe(0o600);

    const fresh = join(work, "restored");
    const r = await run(["restore", backupFile, "--data-dir", fresh]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(fresh, "secret.key"))).toBe(true);
    const again = await run(["restore", backupFile, "--data-dir", fresh]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists; stop the server and pass --force/);

    const restored = await startTestServer({ dataDir: fresh });
    try {
      const after = await fetchFile(restored.phoneUrl, d, file);
      expect(after.status).toBe(200);
      expect(after.body).toBe(before.body);
    } finally {
      await restored.close();
    }
  });

  it("says the key is not in a backup without --with-key, and restore refuses without a key", async () => {
    const backupFile = join(work, "no-key.db");
    const b = await run(["backup", backupFile, "--data-dir", s.config.dataDir]);
    expect(b.code).toBe(0);
    expect(b.stderr).toContain("the secret key is NOT in the backup");
    expect(existsSync(`${backupFile}.key`)).toBe(false);
    const overwrite = await run(["backup", backupFile, "--data-dir", s.config.dataDir]);
    expect(overwrite.code).toBe(2);
    const r = await run(["restore", backupFile, "--data-dir", join(work, "keyless")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no secret key: pass --key FILE/);
    expect(existsSync(join(work, "keyless", "phonehome.db"))).toBe(false);
  });
});
