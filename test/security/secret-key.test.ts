import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createSecretBox } from "../../src/secrets.ts";
import { runCli, startServerProcess } from "../helpers/server-process.ts";
import { tempConfig } from "../helpers/test-deps.ts";

/** Issue 11 item 2: a missing secret key is made only for an empty database; otherwise every command refuses. */

const env = tempConfig();
const dataDir = env.config.dataDir;
const keyFile = join(dataDir, "secret.key");
afterAll(() => env.cleanup());

const keyIdOf = (file: string) => createSecretBox(Buffer.from(readFileSync(file, "utf8").trim(), "base64")).keyId;

describe("secret key file", () => {
  let original = "";
  let keyId = "";

  it("is created for an empty database", async () => {
    const r = await runCli(["token", "list", "--data-dir", dataDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(keyFile)).toBe(true);
    // A database with tokens only holds no sealed value: losing the key there may make a new one.
    rmSync(keyFile);
    expect((await runCli(["token", "list", "--data-dir", dataDir])).code).toBe(0);
    expect(existsSync(keyFile)).toBe(true);
  }, 120_000);

  it("missing while the database holds sealed secrets: every command refuses, naming the key id and the path, and makes no key", async () => {
    expect((await runCli(["demo", "--data-dir", dataDir])).code).toBe(0);
    original = readFileSync(keyFile, "utf8");
    keyId = keyIdOf(keyFile);
    rmSync(keyFile);
    for (const args of [["token", "list"], ["demo"], ["token", "create", "--role", "admin"]]) {
      const r = await runCli([...args, "--data-dir", dataDir]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toContain(`the secret key file ${keyFile} is missing`);
      expect(r.stderr).toMatch(new RegExp(`sealed with key id ${keyId} \\(\\d+ values\\)`));
      expect(r.stderr).toMatch(/Restore that key file/);
      expect(existsSync(keyFile)).toBe(false);
    }
  }, 180_000);

  it("the server process refuses to start too, and never says listening", async () => {
    const r = await startServerProcess(dataDir);
    expect(r.ok).toBe(false);
    if (r.ok) return r.server.stop();
    expect(r.code).toBe(2);
    expect(r.output).toContain(`the secret key file ${keyFile} is missing`);
    expect(r.output).toContain(keyId);
    expect(r.output).not.toContain("phonehome listening");
    expect(existsSync(keyFile)).toBe(false);
  }, 120_000);

  it("a different key restored by mistake is refused with both key ids", async () => {
    writeFileSync(keyFile, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600 });
    const wrong = keyIdOf(keyFile);
    const r = await runCli(["token", "list", "--data-dir", dataDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`holds key id ${wrong}, but the database's secrets are sealed with key id ${keyId}`);
  }, 120_000);

  it("with the right key restored, commands and the server work again", async () => {
    writeFileSync(keyFile, original, { mode: 0o600 });
    expect((await runCli(["token", "list", "--data-dir", dataDir])).code).toBe(0);
    const r = await startServerProcess(dataDir);
    expect(r.ok, r.ok ? "" : r.output).toBe(true);
    if (r.ok) await r.server.stop();
  }, 120_000);
});
